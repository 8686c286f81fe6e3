import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadBackbone, type Backbone } from './backbone';
import { BACKBONES } from './backbones';
import { diskModel, fixturePixels } from './testing';

// The TF-Hub MobileNetV2 1.4 graph model and the layers model scripts/prepare-models.mjs rebuilds from
// it must give the same 1792-d embedding of real images (the app's embedding cache keys by backbone id).
const modelsDir = join(__dirname, '..', '..', 'public', 'models');
const graphSpec = BACKBONES.mobilenet_v2_140;
const layersSpec = BACKBONES.mobilenet_v2_140_layers;
// Both MobileNetV2 1.4 models on 20 images, on the wasm backend (the one the app runs on machines
// without a GPU; the CPU backend took ~100 s here), hence still the long timeouts.
let graph: Backbone;
let layers: Backbone;
let pixels: tf.Tensor4D;

beforeAll(async () => {
  setWasmPaths(join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
  graph = await loadBackbone(graphSpec, diskModel(join(modelsDir, graphSpec.folder)));
  layers = await loadBackbone(layersSpec, diskModel(join(modelsDir, layersSpec.folder)));
  pixels = fixturePixels(224, 20).pixels;
}, 900_000);

afterAll(() => {
  tf.dispose(pixels);
  graph?.dispose();
  layers?.dispose();
});

function maxAbsDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
}

it('the layers model embeds 20 real images as the graph model does, within 1e-4', async () => {
  expect(pixels.shape).toEqual([20, 224, 224, 3]);
  const [g, l] = [graph.embed(pixels), layers.embed(pixels)];
  const [vg, vl] = await Promise.all([g.array(), l.array()]);
  tf.dispose([g, l]);
  expect(vl[0]).toHaveLength(1792);
  const diff = maxAbsDiff(vg, vl);
  console.log(`graph vs layers embeddings, 20 images: max |diff| = ${diff.toExponential(2)}`);
  expect(diff).toBeLessThan(1e-4);
  // Not trivially equal: the images differ from each other by far more than the tolerance.
  expect(maxAbsDiff([vg[0]], [vg[1]])).toBeGreaterThan(0.1);
  expect(layers.paramCount).toBe(graph.paramCount + 6 - 2);
  // Both name their parts alike: the stem, blocks 0–16 and the last convolution, with equal counts.
  expect(graph.parts.map((p) => p.name)).toEqual(['Conv', 'expanded_conv', ...Array.from({ length: 16 }, (_, i) => `expanded_conv_${i + 1}`), 'Conv_1']);
  expect(layers.parts).toEqual(graph.parts);
  expect(graph.parts.reduce((n, p) => n + p.params, 0)).toBe(graph.paramCount - 2);
}, 900_000);

it('loads in TF.js 1.3.1 (Teachable Machine\'s) with the same layer classes and embeddings', async () => {
  const some = pixels.slice(0, 3);
  const expected = layers.embed(some);
  const dir = mkdtempSync(join(tmpdir(), 'headstart-tfjs131-'));
  writeFileSync(join(dir, 'input.f32'), await some.data());
  const values = (await expected.array()) as number[][];
  tf.dispose([some, expected]);
  execFileSync(process.execPath, [
    join(__dirname, '..', '..', 'e2e', 'tm-compat', 'predict.mjs'),
    join(modelsDir, layersSpec.folder), join(dir, 'input.f32'), '3,224,224,3', join(dir, 'out.json'),
  ], { stdio: 'ignore' });
  const result = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
  expect(result.tfjsVersion).toBe('1.3.1');
  expect(new Set(result.layers)).toEqual(new Set(['InputLayer', 'DepthwiseConv2D', 'Conv2D', 'ReLU', 'Add', 'GlobalAveragePooling2D']));
  expect(maxAbsDiff(result.output, values)).toBeLessThan(1e-4);
}, 900_000);
