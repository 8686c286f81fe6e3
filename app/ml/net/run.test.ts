import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbone';
import { BACKBONES } from '../backbones';
import { adaptedWeights, disposeBlocks } from '../blocks';
import { buildExportModel, TM_SCALE } from '../exportModel';
import { createHead, predictHead } from '../head';
import { DEFAULT_HEAD_SETTINGS } from '../settings';
import { diskModel } from '../testing';
import { networkFromLayers } from './fromLayers';
import { networkRunner, runNetwork, tensorRanges } from './run';
import { appPixels, appPredict, appPredictAdapted, maxAbsDiff, MODELS_DIR, nudgedBlocks, samplePhotos, subset, topClasses, trainedProject, useWasm, type TrainedProject } from './testing';

let project: TrainedProject;
let pixels: tf.Tensor4D;

beforeAll(async () => {
  await useWasm();
  project = await trainedProject();
  pixels = appPixels(project.test.bytes, project.test.count, project.test.size);
}, 300_000);

afterAll(() => {
  pixels.dispose();
  project.dispose();
});

async function values(t: tf.Tensor): Promise<Float32Array> {
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}

describe.each([true, false])('testTimeFlip %s: runNetwork answers as the app does, within 1e-5', (testTimeFlip) => {
  it('on the held-out emoji, head trained on the graph\'s embeddings', async () => {
    const net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'flip', labels: project.labels, testTimeFlip });
    const before = tf.memory().numTensors;
    const ours = await values(runNetwork(net, pixels));
    expect(tf.memory().numTensors).toBe(before);
    const app = await values(appPredict(project, pixels, testTimeFlip));
    const diff = maxAbsDiff(ours, app);
    console.log(`runNetwork vs app (testTimeFlip ${testTimeFlip}): max |diff| = ${diff.toExponential(2)}; app: ${JSON.stringify(Array.from(app, (p) => +p.toFixed(3)))}`);
    expect(diff).toBeLessThan(1e-5);
    // A trained head, right on most held-out images, confident but not saturated: 1e-5 says something.
    const right = topClasses(app, project.labels.length).filter((c, i) => c === project.test.classes[i]).length;
    expect(right).toBeGreaterThanOrEqual(project.test.count - 1);
    expect(Math.min(...app)).toBeGreaterThan(1e-4);
    // The flip matters on these images: the other setting answers differently.
    const other = await values(appPredict(project, pixels, !testTimeFlip));
    expect(maxAbsDiff(ours, other)).toBeGreaterThan(1e-4);
  }, 120_000);
});

it('on real photos (the sample dataset\'s, one per class, decoded by PIL) too', async () => {
  const photos = samplePhotos();
  expect(photos.labels).toEqual(['bird', 'flower', 'fruit']);
  const rows = [0, 1, 2].map((c) => photos.classes.indexOf(c));
  const set = subset(photos, rows);
  const input = appPixels(set.bytes, set.count, set.size);
  const net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'photos', labels: project.labels, testTimeFlip: true });
  const diff = maxAbsDiff(await values(runNetwork(net, input)), await values(appPredict(project, input, true)));
  console.log(`runNetwork vs app on 3 sample photos: max |diff| = ${diff.toExponential(2)}`);
  expect(diff).toBeLessThan(1e-5);
  input.dispose();
}, 120_000);

it('equals the TF.js layers export (the same network behind Teachable Machine\'s input adapter)', async () => {
  const net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'x', labels: project.labels, testTimeFlip: true });
  const exported = await buildExportModel(project.artifacts, project.cutPoint, project.head, 'x', { testTimeFlip: true });
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: exported.modelTopology, weightSpecs: exported.weightSpecs, weightData: exported.weightData }));
  const tm = tf.tidy(() => tf.tensor4d(Float32Array.from(project.test.bytes), pixels.shape).div(TM_SCALE.divide).sub(TM_SCALE.subtract));
  const theirs = await values(model.predict(tm) as tf.Tensor);
  const ours = await values(runNetwork(net, pixels));
  tm.dispose();
  model.dispose();
  expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5);
}, 120_000);

it('with adapted blocks (their weights over the twin\'s), answers as the app does: twin to the cut → blocks → head', async () => {
  const twin = await tf.loadLayersModel(tf.io.fromMemory(project.artifacts));
  const adapted = nudgedBlocks(twin, 2);
  const net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'adapted', labels: project.labels, testTimeFlip: true, weights: adaptedWeights(adapted) });
  const frozen = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'frozen', labels: project.labels, testTimeFlip: true });
  const app = await values(appPredictAdapted(project.head, twin, adapted, pixels, true));
  const ours = await values(runNetwork(net, pixels));
  const diff = maxAbsDiff(ours, app);
  console.log(`runNetwork vs app with 2 adapted blocks: max |diff| = ${diff.toExponential(2)}`);
  expect(diff).toBeLessThan(1e-5);
  // The adapted weights matter: the twin's own give other answers.
  expect(maxAbsDiff(await values(runNetwork(frozen, pixels)), app)).toBeGreaterThan(1e-4);
  disposeBlocks(adapted);
  twin.dispose();
}, 120_000);

it('Keras MobileNetV2 1.0 (batch norm and padding folded) answers as the app\'s layers backbone does', async () => {
  const spec = BACKBONES.mobilenet_v2_100;
  const backbone = await loadBackbone(spec, diskModel(join(MODELS_DIR, spec.folder)));
  const head = createHead(spec.featureDim, 3, { ...DEFAULT_HEAD_SETTINGS, seed: 2 });
  const net = await networkFromLayers(await diskModel(join(MODELS_DIR, spec.folder)).load!(), spec.cutPoint, head, { name: 'keras', labels: ['a', 'b', 'c'], testTimeFlip: true });
  const app = await values(tf.tidy(() => predictHead(head, backbone.embed(pixels), backbone.embed(tf.reverse(pixels, 2) as tf.Tensor4D))));
  const diff = maxAbsDiff(await values(runNetwork(net, pixels)), app);
  console.log(`runNetwork vs the Keras backbone + head: max |diff| = ${diff.toExponential(2)}`);
  expect(diff).toBeLessThan(1e-5);
  head.dispose();
  backbone.dispose();
}, 120_000);

it('tensorRanges: every tensor\'s min and max over all batches, nothing left behind', async () => {
  const net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'x', labels: project.labels, testTimeFlip: true });
  const first = pixels.slice(0, 2);
  const rest = pixels.slice(2);
  const before = tf.memory().numTensors;
  const both = await tensorRanges(net, [first, rest]);
  const alone = await tensorRanges(net, [first]);
  expect(tf.memory().numTensors).toBe(before);
  expect([...both.keys()]).toEqual([net.input.name, ...net.ops.map((op) => op.output)]);
  // The input: pixel / 255 of real images.
  const input = both.get(net.input.name)!;
  expect(input.min).toBeGreaterThanOrEqual(0);
  expect(input.max).toBeLessThanOrEqual(1);
  expect(both.get('Conv_relu6')).toMatchObject({ min: 0 });
  expect(both.get('Conv_relu6')!.max).toBeLessThanOrEqual(6);
  // hub_input maps [0, 1] to [−1, 1].
  expect(both.get('hub_input')!.min).toBeLessThan(0);
  const probs = both.get(net.output)!;
  expect(probs.min).toBeGreaterThan(0);
  expect(probs.max).toBeLessThan(1);
  // Over two batches: the union of each batch's ranges, so at least as wide as the first batch's alone.
  for (const [name, range] of alone) {
    expect(both.get(name)!.min).toBeLessThanOrEqual(range.min);
    expect(both.get(name)!.max).toBeGreaterThanOrEqual(range.max);
  }
  const widened = [...alone].filter(([name, range]) => both.get(name)!.max > range.max || both.get(name)!.min < range.min);
  expect(widened.length).toBeGreaterThan(net.ops.length / 4);
  tf.dispose([first, rest]);
}, 120_000);

it('a transform applied to the input and each op\'s output before their readers (fake quantisation), nothing left behind', async () => {
  const net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'x', labels: project.labels });
  const runner = networkRunner(net);
  const before = tf.memory().numTensors;
  // The input transformed: as if the caller had passed the mirrored images; the caller's input is kept.
  const mirror = networkRunner(net, { transform: (name, value) => (name === net.input.name ? tf.reverse(value, 2) : value) });
  const flippedIn = tf.reverse(pixels, 2) as tf.Tensor4D;
  const viaTransform = await values(mirror.run(pixels));
  expect(pixels.isDisposed).toBe(false);
  expect(maxAbsDiff(viaTransform, await values(runner.run(flippedIn)))).toBe(0);
  expect(maxAbsDiff(viaTransform, await values(runner.run(pixels)))).toBeGreaterThan(1e-4);
  // Every tensor rounded to a grid of 1/4 (the output too): readers and the observer see the rounded values.
  const grid = networkRunner(net, { transform: (_, value) => value.mul(4).round().div(4) });
  let offGrid = 0;
  let observed = 0;
  const coarse = await values(grid.run(pixels, (_name, value) => {
    const v = value.dataSync();
    observed++;
    for (let i = 0; i < v.length; i += 97) offGrid = Math.max(offGrid, Math.abs(v[i] * 4 - Math.round(v[i] * 4)));
  }));
  expect(observed).toBe(net.ops.length + 1);
  expect(offGrid).toBe(0);
  expect(coarse.every((p) => p * 4 === Math.round(p * 4))).toBe(true);
  expect(maxAbsDiff(coarse, await values(runner.run(pixels)))).toBeGreaterThan(1e-3);
  flippedIn.dispose();
  [mirror, grid].forEach((r) => r.dispose());
  expect(tf.memory().numTensors).toBe(before);
  runner.dispose();
}, 120_000);

it('refuses an input of another size, naming the shape', async () => {
  const net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'x', labels: project.labels });
  const small = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  expect(() => runNetwork(net, small)).toThrow('network x takes [n, 224, 224, 3], not [1, 32, 32, 3]');
  expect(tf.memory().numTensors).toBe(before);
  small.dispose();
});
