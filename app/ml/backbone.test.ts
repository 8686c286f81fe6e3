import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from './backbone';
import { BACKBONES, DEFAULT_BACKBONE_ID } from './backbones';
import { diskModel } from './testing';

const modelsDir = join(__dirname, '..', '..', 'public', 'models');

beforeAll(async () => {
  // wasm, the backend the app embeds on without a GPU (and several times faster here than 'cpu').
  setWasmPaths(join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
});

describe.each(Object.values(BACKBONES))('bundled backbone $id (converted by scripts/prepare-models.mjs)', (spec) => {
  const folder = join(modelsDir, spec.folder);

  it('is present after npm install', () => {
    expect(existsSync(join(folder, 'model.json'))).toBe(true);
  });

  it(`embeds images to ${spec.featureDim} numbers, deterministically, without leaking tensors`, async () => {
    const backbone = await loadBackbone(spec, diskModel(folder));
    expect(backbone.paramCount).toBeGreaterThan(2_000_000);
    const before = tf.memory().numTensors;
    const pixels = tf.tidy(() => tf.stack([tf.zeros([224, 224, 3]), tf.randomUniform([224, 224, 3], 0, 1, 'float32', 5)])) as tf.Tensor4D;
    const a = backbone.embed(pixels);
    const b = backbone.embed(pixels);
    expect(a.shape).toEqual([2, spec.featureDim]);
    const [va, vb] = await Promise.all([a.array(), b.array()]);
    expect(va).toEqual(vb);
    expect(va[0]).not.toEqual(va[1]);
    tf.dispose([a, b, pixels]);
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
  });
});

it('the default backbone is one of the bundled ones', () => {
  expect(BACKBONES[DEFAULT_BACKBONE_ID]).toBeDefined();
});
