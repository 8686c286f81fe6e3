import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from './backbone';
import { BACKBONES } from './backbones';
import { adaptedWeights, blocksForward, copyBlocks, cutExtractor, disposeBlocks } from './blocks';
import { exportFiles, SHARD_BYTES } from './exportFiles';
import { buildExportModel, TM_SCALE, type ExportedModel } from './exportModel';
import { createHead, predictHead } from './head';
import { DEFAULT_HEAD_SETTINGS } from './settings';
import { diskModel, fixturePixels, TINY_SPEC, tinyBackboneSource } from './testing';

const modelsDir = join(__dirname, '..', '..', 'public', 'models');

beforeAll(async () => {
  // wasm, the backend the app exports from without a GPU (and several times faster here than 'cpu').
  setWasmPaths(join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
});

/** What Teachable Machine feeds a model for pixels given in [0, 1]: x/127 − 1 of x in [0, 255]. */
function tmInput(pixels: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => pixels.mul(255).round().div(TM_SCALE.divide).sub(TM_SCALE.subtract));
}

/** Pixels whose x·255 are whole numbers, as decoded images are, so both scalings see the same image. */
function asBytes(pixels: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => pixels.mul(255).round().div(255));
}

async function loadExported(model: ExportedModel): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: model.weightSpecs, weightData: model.weightData }));
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
}


describe('export of the default backbone + a head, with test-time flip', () => {
  const ingestSpec = BACKBONES.mobilenet_v2_140; // what embeds images in the app (the graph model)
  const exportSpec = BACKBONES.mobilenet_v2_140_layers; // what the export is built from
  let pixels: tf.Tensor4D;
  let head: tf.Sequential;
  let appProbs: number[][];
  let exported: ExportedModel;

  beforeAll(async () => {
    pixels = asBytes(fixturePixels(224, 24).pixels.gather([0, 8, 16]) as tf.Tensor4D);
    head = createHead(1792, 3, { ...DEFAULT_HEAD_SETTINGS, seed: 5 });
    const ingest = await loadBackbone(ingestSpec, diskModel(join(modelsDir, ingestSpec.folder)));
    // With the app's default test-time flip: the average of each image and its mirror.
    const probs = tf.tidy(() => predictHead(head, ingest.embed(pixels), ingest.embed(tf.reverse(pixels, 2) as tf.Tensor4D)));
    appProbs = (await probs.array()) as number[][];
    probs.dispose();
    ingest.dispose();
    const artifacts = await diskModel(join(modelsDir, exportSpec.folder)).load!();
    exported = await buildExportModel(artifacts, exportSpec.cutPoint, head, 'test', { testTimeFlip: true });
  }, 300_000);

  afterAll(() => {
    pixels.dispose();
    head.dispose();
  });

  it('is one model: 224×224×3 in, softmax over the classes out, in the layers Teachable Machine knows', async () => {
    const model = await loadExported(exported);
    expect(model.inputs[0].shape).toEqual([null, 224, 224, 3]);
    expect(model.outputs[0].shape).toEqual([null, 3]);
    const classes = new Set(model.layers.map((l) => l.getClassName()));
    expect(classes).toEqual(new Set(['InputLayer', 'DepthwiseConv2D', 'Conv2D', 'ReLU', 'Add', 'GlobalAveragePooling2D', 'Dense', 'Reshape', 'Average']));
    expect(exported.weightSpecs.every((w) => w.dtype === 'float32' && !w.quantization)).toBe(true);
    model.dispose();
  });

  it('predicts what the app predicts (graph embedding → head) on real images, from Teachable Machine\'s input, within 1e-4', async () => {
    const model = await loadExported(exported);
    const input = tmInput(pixels);
    const out = model.predict(input) as tf.Tensor2D;
    const probs = (await out.array()) as number[][];
    tf.dispose([input, out]);
    model.dispose();
    const diff = maxAbsDiff(probs, appProbs);
    console.log(`export vs app probabilities: max |diff| = ${diff.toExponential(2)}; app: ${JSON.stringify(appProbs.map((r) => r.map((v) => +v.toFixed(3))))}`);
    expect(diff).toBeLessThan(1e-4);
    // Not saturated (0/1) nor uniform, so a 1e-4 agreement says something.
    expect(appProbs.flat().every((p) => p > 1e-3)).toBe(true);
    expect(Math.max(...appProbs.flat()) - Math.min(...appProbs.flat())).toBeGreaterThan(0.1);
  }, 300_000);

  it('writes model.json, 4 MiB shards and metadata.json that TF.js 1.3.1 loads and predicts the same with', async () => {
    const metadata = { tfjsVersion: tf.version.tfjs, packageName: 'headstart', packageVersion: '0.1.0', timeStamp: new Date().toISOString(), userMetadata: {}, modelName: 'test', labels: ['a', 'b', 'c'], imageSize: 224, fit: 'cover' as const };
    const files = exportFiles(exported, metadata);
    const names = files.map((f) => f.name);
    expect(names[0]).toBe('model.json');
    expect(names.at(-1)).toBe('metadata.json');
    const shards = files.filter((f) => f.name.endsWith('.bin'));
    expect(shards.length).toBe(Math.ceil(exported.weightData.byteLength / SHARD_BYTES));
    expect(shards.reduce((n, s) => n + s.data.length, 0)).toBe(exported.weightData.byteLength);
    const dir = mkdtempSync(join(tmpdir(), 'headstart-export-'));
    for (const f of files) writeFileSync(join(dir, f.name), f.data);
    const input = tmInput(pixels);
    writeFileSync(join(dir, 'input.f32'), await input.data());
    input.dispose();
    execFileSync(process.execPath, [join(__dirname, '..', '..', 'e2e', 'tm-compat', 'predict.mjs'), dir, join(dir, 'input.f32'), '3,224,224,3', join(dir, 'out.json')], { stdio: 'ignore' });
    const result = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(result.tfjsVersion).toBe('1.3.1');
    const diff = maxAbsDiff(result.output, appProbs);
    console.log(`TF.js 1.3.1 on the exported files vs app probabilities: max |diff| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  }, 300_000);
});

it('pools a backbone cut at a feature map (as the app does) and keeps a dropout layer out of the way', async () => {
  const source = await tinyBackboneSource();
  const backbone = await loadBackbone(TINY_SPEC, source);
  const head = createHead(TINY_SPEC.featureDim, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 4, dropout: 0.5 });
  const exported = await buildExportModel(await source.load!(), TINY_SPEC.cutPoint, head, 'tiny');
  const model = await loadExported(exported);
  const pixels = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 3).mul(255).round().div(255) as tf.Tensor4D;
  const [expected, actual] = tf.tidy(() => [predictHead(head, backbone.embed(pixels)), model.predict(tmInput(pixels)) as tf.Tensor2D]);
  expect(maxAbsDiff((await actual.array()) as number[][], (await expected.array()) as number[][])).toBeLessThan(1e-5);
  expect(model.layers.map((l) => l.name).slice(1)).toEqual(['tm_input', 'conv', 'bn', 'cut_relu', 'feature_vector', 'head_hidden', 'head_dropout', 'head_classes']);
  tf.dispose([pixels, expected, actual]);
  head.dispose();
  model.dispose();
  backbone.dispose();
});

it('with test-time flip, averages the image and its mirror through the same layers, as the app does', async () => {
  const source = await tinyBackboneSource();
  const backbone = await loadBackbone(TINY_SPEC, source);
  const head = createHead(TINY_SPEC.featureDim, 3, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 4 });
  const exported = await buildExportModel(await source.load!(), TINY_SPEC.cutPoint, head, 'tiny', { testTimeFlip: true });
  const model = await loadExported(exported);
  // An asymmetric image, so the mirror matters.
  const pixels = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 6).mul(255).round().div(255) as tf.Tensor4D;
  const [expected, plainOnly, actual] = tf.tidy(() => [
    predictHead(head, backbone.embed(pixels), backbone.embed(tf.reverse(pixels, 2) as tf.Tensor4D)),
    predictHead(head, backbone.embed(pixels)),
    model.predict(tmInput(pixels)) as tf.Tensor2D,
  ]);
  const [e, p, a] = (await Promise.all([expected.array(), plainOnly.array(), actual.array()])) as number[][][];
  expect(maxAbsDiff(a, e)).toBeLessThan(1e-5);
  expect(maxAbsDiff(p, e)).toBeGreaterThan(1e-3);
  expect(model.layers.filter((l) => l.getClassName() === 'Average')).toHaveLength(1);
  tf.dispose([pixels, expected, plainOnly, actual]);
  head.dispose();
  model.dispose();
  backbone.dispose();
});

it('with adapted blocks, carries their weights: predicts as the app does (twin to the cut → adapted blocks → head), within 1e-4', async () => {
  const spec = BACKBONES.mobilenet_v2_140_layers;
  const artifacts = await diskModel(join(modelsDir, spec.folder)).load!();
  const twin = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const adapted = copyBlocks(twin, 1);
  // Weights moved as fine-tuning would move them, so the frozen twin would answer otherwise.
  adapted.variables.forEach((v, i) => tf.tidy(() => v.assign(v.add(tf.randomNormal(v.shape, 0, 0.02, 'float32', i)))));
  const head = createHead(1792, 3, { ...DEFAULT_HEAD_SETTINGS, seed: 7 });
  const pixels = asBytes(fixturePixels(224, 24).pixels.gather([0, 8]) as tf.Tensor4D);
  const extract = cutExtractor(twin, adapted.cutLayer);
  const app = tf.tidy(() => predictHead(head, blocksForward(adapted, extract(pixels)), blocksForward(adapted, extract(tf.reverse(pixels, 2) as tf.Tensor4D))));
  const frozen = tf.tidy(() => predictHead(head, (twin.predict(pixels) as tf.Tensor2D), twin.predict(tf.reverse(pixels, 2)) as tf.Tensor2D));
  const appProbs = (await app.array()) as number[][];
  const frozenProbs = (await frozen.array()) as number[][];
  const exported = await buildExportModel(artifacts, spec.cutPoint, head, 'adapted', { testTimeFlip: true, weights: adaptedWeights(adapted) });
  const model = await loadExported(exported);
  const input = tmInput(pixels);
  const out = model.predict(input) as tf.Tensor2D;
  const probs = (await out.array()) as number[][];
  expect(maxAbsDiff(probs, appProbs)).toBeLessThan(1e-4);
  // The adapted weights matter: the frozen twin gives other answers.
  expect(maxAbsDiff(frozenProbs, appProbs)).toBeGreaterThan(1e-3);
  tf.dispose([input, out, app, frozen, pixels]);
  model.dispose();
  head.dispose();
  disposeBlocks(adapted);
  twin.dispose();
}, 300_000);
