import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKBONES } from './backbones';
import { adaptedLayerNames, adaptedWeights, blocksForward, copyBlocks, cutBytesPerImage, cutLayerName, disposeBlocks, embedFromCut, MAX_ADAPT_BLOCKS, setBlockWeights, blockWeightsData } from './blocks';
import { diskModel, fixturePixels } from './testing';

// The adapted blocks' hand-written forward pass against the real MobileNetV2 1.4 layers model. The CPU
// backend is slow, so the full network runs once on one real image; the rest starts at the cut point.
const folder = join(__dirname, '..', '..', 'public', 'models', BACKBONES.mobilenet_v2_140_layers.folder);
let model: tf.LayersModel;
/** One real image's cut-point activations for N = 3, 4 and MAX_ADAPT_BLOCKS (flattened), and its embedding. */
let realCut: tf.Tensor2D;
let realCut4: tf.Tensor2D;
let realDeepCut: tf.Tensor2D;
let realEmbedding: tf.Tensor2D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await tf.loadLayersModel(diskModel(folder));
  const { pixels } = fixturePixels(224, 1);
  const probe = tf.model({ inputs: model.inputs, outputs: [cutLayerName(model, 3), cutLayerName(model, 4), cutLayerName(model, MAX_ADAPT_BLOCKS), 'feature_vector'].map((n) => model.getLayer(n).getOutputAt(0) as tf.SymbolicTensor) });
  const [cut, cut4, deepCut, embedding] = probe.predict(pixels) as tf.Tensor[];
  realCut = cut.reshape([1, -1]);
  realCut4 = cut4.reshape([1, -1]);
  realDeepCut = deepCut.reshape([1, -1]);
  realEmbedding = embedding as tf.Tensor2D;
  tf.dispose([pixels, cut, cut4, deepCut]);
}, 300_000);

afterAll(() => {
  tf.dispose([realCut, realCut4, realDeepCut, realEmbedding]);
  model?.dispose();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const FACTORIES: Record<string, (config: any) => tf.layers.Layer> = {
  Conv2D: tf.layers.conv2d,
  DepthwiseConv2D: tf.layers.depthwiseConv2d,
  ReLU: tf.layers.reLU,
  Add: tf.layers.add,
  GlobalAveragePooling2D: tf.layers.globalAveragePooling2d,
};

/**
 * The model's own layers after the cut, rebuilt as a layers model from their configs and weights
 * (TF.js's conv kernels and autodiff), taking cut-point activations: the reference for our pass.
 */
function layersFromCut(cutLayer: string): { model: tf.LayersModel; layers: Map<string, tf.layers.Layer> } {
  const start = model.layers.findIndex((l) => l.name === cutLayer);
  const input = tf.input({ shape: (model.getLayer(cutLayer).outputShape as number[]).slice(1) });
  const outputs = new Map<string, tf.SymbolicTensor>([[cutLayer, input]]);
  const clones = new Map<string, tf.layers.Layer>();
  for (const layer of model.layers.slice(start + 1)) {
    const clone = FACTORIES[layer.getClassName()](layer.getConfig());
    const inbound = layer.inboundNodes[0].inboundLayers.map((l) => outputs.get(l.name) as tf.SymbolicTensor);
    outputs.set(layer.name, clone.apply(inbound.length === 1 ? inbound[0] : inbound) as tf.SymbolicTensor);
    clones.set(layer.name, clone);
  }
  const sub = tf.model({ inputs: input, outputs: outputs.get('feature_vector') as tf.SymbolicTensor });
  clones.forEach((clone, name) => clone.setWeights(model.getLayer(name).getWeights()));
  return { model: sub, layers: clones };
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
/** Cut-point activations of `n` images of a cut's shape, as the network's (roughly unit-scale, signed). */
const randomCut = (n: number, seed: number, shape: number[] = [7, 7, 224]) => tf.randomNormal([n, shape.reduce((a, b) => a * b)], 0, 1, 'float32', seed) as tf.Tensor2D;

describe('adapted blocks (MobileNetV2 1.4)', () => {
  it('cuts at the input of the first adapted block, all at 7×7×224', () => {
    expect([1, 2, 3].map((n) => cutLayerName(model, n))).toEqual(['expanded_conv_15_add', 'expanded_conv_14_add', 'expanded_conv_13_project']);
    const adapted = copyBlocks(model, 3);
    expect(adapted.cutShape).toEqual([7, 7, 224]);
    expect(cutBytesPerImage(adapted)).toBe(7 * 7 * 224 * 4);
    expect(adapted.variables.length).toBe(adaptedLayerNames(3).length * 2);
    disposeBlocks(adapted);
  });

  it('deeper cuts: block 13 (stride 2) from 14×14×136, blocks 7–12 at 14×14; the export names follow', () => {
    expect([4, 5, 7, 10].map((n) => cutLayerName(model, n))).toEqual(['expanded_conv_12_add', 'expanded_conv_11_add', 'expanded_conv_9_add', 'expanded_conv_6_project']);
    const adapted = copyBlocks(model, MAX_ADAPT_BLOCKS);
    expect(adapted.cutShape).toEqual([14, 14, 88]);
    expect(adapted.blocks.map((b) => `${b.name.replace('expanded_conv_', '')}:${b.stride}${b.residual ? '+' : ''}`)).toEqual(['7:1+', '8:1+', '9:1+', '10:1', '11:1+', '12:1+', '13:2', '14:1+', '15:1+', '16:1']);
    expect(Object.keys(adaptedWeights(adapted))).toContain('expanded_conv_13_depthwise/depthwise_kernel');
    expect(Object.keys(adaptedWeights(adapted)).length).toBe(adapted.variables.length);
    expect(() => copyBlocks(model, MAX_ADAPT_BLOCKS + 1)).toThrow(/can adapt 1 to 10 blocks/);
    disposeBlocks(adapted);
  });

  it(`N = ${MAX_ADAPT_BLOCKS} on a real image: the written-out pass from 14×14, through block 13's stride 2, gives the layers model embedding within 1e-4`, () => {
    const adapted = copyBlocks(model, MAX_ADAPT_BLOCKS);
    const ours = embedFromCut(adapted, realDeepCut);
    expect(maxDiff(ours, realEmbedding)).toBeLessThan(1e-4);
    ours.dispose();
    disposeBlocks(adapted);
  }, 120_000);

  it('N = 3 on a real image: the written-out forward pass gives the layers model embedding within 1e-4', () => {
    const adapted = copyBlocks(model, 3);
    const ours = embedFromCut(adapted, realCut);
    expect(ours.shape).toEqual([1, 1792]);
    expect(maxDiff(ours, realEmbedding)).toBeLessThan(1e-4);
    ours.dispose();
    disposeBlocks(adapted);
  }, 120_000);

  it.each([1, 2, 3, 4])('N = %i: the forward pass matches the layers after the cut within 1e-4, in batches too', (n) => {
    const adapted = copyBlocks(model, n);
    const reference = layersFromCut(adapted.cutLayer);
    const cut = randomCut(2, n, adapted.cutShape);
    const expected = reference.model.predict(cut.reshape([2, ...adapted.cutShape])) as tf.Tensor;
    const ours = tf.tidy(() => blocksForward(adapted, cut));
    const batched = embedFromCut(adapted, cut, 1);
    expect(maxDiff(ours, expected)).toBeLessThan(1e-4);
    expect(maxDiff(batched, expected)).toBeLessThan(1e-4);
    tf.dispose([cut, expected, ours, batched]);
    reference.model.dispose();
    disposeBlocks(adapted);
  }, 120_000);

  // Four blocks (13 from 14×14 with stride 2, 14–16 at 7×7, two residual adds) and the top conv, on one real
  // image's activations (measured too: N = 5, block 12 at 14×14 included, ≤ 1.5e-6 from a real image; from
  // N(0, 1) noise at block 12's input the two disagreed by ~4e-3 relative, far outside what the network sees).
  it('its gradients match TF.js autodiff of the layers model', () => {
    const adapted = copyBlocks(model, 4);
    const reference = layersFromCut(adapted.cutLayer);
    const cut = realCut4;
    const weigh = tf.randomNormal([1, 1792], 0, 1, 'float32', 5);
    const refVars = adaptedLayerNames(4).flatMap((name) => (reference.layers.get(name) as tf.layers.Layer).weights.map((w) => w.read() as tf.Variable));
    refVars.forEach((v) => (v.trainable = true));
    const ours = tf.variableGrads(() => blocksForward(adapted, cut).mul(weigh).sum() as tf.Scalar, adapted.variables);
    const theirs = tf.variableGrads(() => (reference.model.apply(cut.reshape([1, ...adapted.cutShape])) as tf.Tensor).mul(weigh).sum() as tf.Scalar, refVars);
    // Largest difference relative to the largest reference gradient, per variable.
    const errors = adapted.variables.map((v, i) => {
      const mine = ours.grads[v.name];
      const ref = theirs.grads[refVars[i].name].reshape(mine.shape);
      const scale = tf.tidy(() => ref.abs().max().dataSync()[0]);
      expect(scale, v.name).toBeGreaterThan(0);
      return [v.name, maxDiff(mine, ref) / scale] as const;
    });
    errors.forEach(([name, e]) => expect(e, name).toBeLessThan(1e-4));
    tf.dispose([weigh, ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
    reference.model.dispose();
    disposeBlocks(adapted);
  }, 600_000);

  it('saves and restores the adapted weights', async () => {
    const a = copyBlocks(model, 1);
    const b = copyBlocks(model, 1);
    const data = await blockWeightsData(a);
    data[0][0] += 1;
    setBlockWeights(b, data);
    expect(Array.from(await b.variables[0].data())).toEqual(Array.from(data[0]));
    expect(() => setBlockWeights(b, data.slice(1))).toThrow(/expected/);
    disposeBlocks(a);
    disposeBlocks(b);
  });
});
