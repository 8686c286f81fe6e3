import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from './backbone';
import { exportFiles, type ExportMetadata } from './exportFiles';
import { buildExportModel } from './exportModel';
import { createHead, predictHead } from './head';
import { openModelFiles, predictOpened } from './openModel';
import { DEFAULT_HEAD_SETTINGS } from './settings';
import { TINY_SPEC, tinyBackboneSource } from './testing';

const metadata: ExportMetadata = { tfjsVersion: '4.22.0', packageName: 'headstart', packageVersion: 'test', timeStamp: '', userMetadata: {}, modelName: 'tiny', labels: ['cats', 'dogs'], imageSize: 16, fit: 'cover' };
let files: Record<string, Uint8Array>;
let expected: number[][];
let pixels: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const source = await tinyBackboneSource();
  const backbone = await loadBackbone(TINY_SPEC, source);
  const head = createHead(TINY_SPEC.featureDim, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 4 });
  files = Object.fromEntries(exportFiles(await buildExportModel(await source.load!(), TINY_SPEC.cutPoint, head, 'tiny'), metadata).map((f) => [f.name, f.data]));
  pixels = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 4).mul(255).round().div(255) as tf.Tensor4D;
  const probs = tf.tidy(() => predictHead(head, backbone.embed(pixels)));
  expected = (await probs.array()) as number[][];
  probs.dispose();
  head.dispose();
  backbone.dispose();
});

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const read = (name: string) => JSON.parse(new TextDecoder().decode(files[name]));

it('opens an export and classifies as the model it was exported from', async () => {
  const opened = await openModelFiles(Object.fromEntries(Object.entries(files).map(([k, v]) => [`my-model/${k}`, v])));
  expect(opened.labels).toEqual(['cats', 'dogs']);
  const out = predictOpened(opened, pixels);
  const got = (await out.array()) as number[][];
  out.dispose();
  expect(Math.max(...got.flatMap((r, i) => r.map((v, j) => Math.abs(v - expected[i][j]))))).toBeLessThan(1e-5);
  opened.model.dispose();
});

describe('bad files are refused with a message naming the problem', () => {
  const cases: [string, () => Record<string, Uint8Array>, RegExp][] = [
    ['no model.json', () => ({ ...files, 'model.json': undefined! }), /no model\.json/],
    ['model.json not JSON', () => ({ ...files, 'model.json': new TextEncoder().encode('{"modelTopology": ') }), /model\.json is not valid JSON/],
    ['metadata.json wrong', () => ({ ...files, 'metadata.json': json({ name: 'x' }) }), /metadata\.json has no list of labels/],
    ['a missing shard', () => Object.fromEntries(Object.entries(files).filter(([k]) => !k.endsWith('.bin'))), /weight file group1-shard1of1\.bin named in model\.json is missing/],
    ['an unknown layer', () => {
      const m = read('model.json');
      m.modelTopology.model_config.config.layers[2].class_name = 'FancyConv';
      return { ...files, 'model.json': json(m) };
    }, /layer TF\.js does not know.*FancyConv/],
    ['a wrong input shape', () => ({ ...files, 'metadata.json': json({ ...metadata, imageSize: 224 }) }), /input is \[null,16,16,3\], not an RGB image of 224×224/],
    ['labels not matching the outputs', () => ({ ...files, 'metadata.json': json({ ...metadata, labels: ['a', 'b', 'c'] }) }), /3 labels but the model has 2 outputs/],
  ];
  for (const [what, make, message] of cases) {
    it(what, async () => {
      const before = tf.memory().numTensors;
      const entries = Object.fromEntries(Object.entries(make()).filter(([, v]) => v !== undefined));
      await expect(openModelFiles(entries)).rejects.toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
