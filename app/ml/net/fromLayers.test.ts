import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKBONES } from '../backbones';
import { createHead } from '../head';
import { DEFAULT_HEAD_SETTINGS } from '../settings';
import { diskModel, TINY_SPEC, tinyBackboneSource } from '../testing';
import { INPUT, MIRRORED, networkFromLayers, OUTPUT } from './fromLayers';
import { opInputs, tensorShapes, type Network } from './network';

const root = join(__dirname, '..', '..', '..');
const modelsDir = join(root, 'public', 'models');
const labels = ['bird', 'flower', 'fruit'];

beforeAll(async () => {
  setWasmPaths(join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
});

function counts(net: Network): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of net.ops) out[op.op] = (out[op.op] ?? 0) + 1;
  return out;
}

/** Every tensor is written once and read after it is written; every weight is used. */
function expectWellFormed(net: Network): void {
  const written = new Set([net.input.name]);
  for (const op of net.ops) {
    for (const name of opInputs(op)) expect(written.has(name), `${name} read by ${op.output} before it is written`).toBe(true);
    expect(written.has(op.output), `${op.output} written twice`).toBe(false);
    written.add(op.output);
  }
  expect(written.has(net.output)).toBe(true);
  const used = new Set(net.ops.flatMap((op) => ('kernel' in op ? [op.kernel, op.bias] : [])));
  expect(new Set(Object.keys(net.weights))).toEqual(used);
  for (const [name, w] of Object.entries(net.weights)) expect(w.data.length, name).toBe(w.shape.reduce((a, b) => a * b, 1));
}

describe('the TF-Hub MobileNetV2 1.4 twin + a trained head', () => {
  const spec = BACKBONES.mobilenet_v2_140_layers;
  let artifacts: tf.io.ModelArtifacts;
  let head: tf.Sequential;

  beforeAll(async () => {
    artifacts = await diskModel(join(modelsDir, spec.folder)).load!();
    head = createHead(1792, labels.length, { ...DEFAULT_HEAD_SETTINGS, seed: 3 });
  });
  afterAll(() => head.dispose());

  it('is the backbone\'s convolutions with ReLU6 fused, its adds and pooling, then dense + dense + softmax; input pixel/255', async () => {
    const before = tf.memory().numTensors;
    const net = await networkFromLayers(artifacts, spec.cutPoint, head, { name: 'plain', labels });
    expect(tf.memory().numTensors).toBe(before);
    expectWellFormed(net);
    // 35 Conv2D + 18 DepthwiseConv2D (hub_input's 1×1 among them), each of the 35 ReLU(6) fused into one.
    expect(counts(net)).toEqual({ conv2d: 35, depthwiseConv2d: 18, add: 10, globalAveragePool: 1, dense: 2, softmax: 1 });
    expect(net.ops.filter((op) => 'activation' in op && op.activation === 'relu6')).toHaveLength(35);
    expect(net.ops.find((op) => op.output === 'Conv_relu6')).toMatchObject({ op: 'conv2d', input: 'hub_input', kernel: 'Conv/kernel', strides: [2, 2], padding: 'same', activation: 'relu6' });
    expect(net.ops.slice(-3).map((op) => op.op)).toEqual(['dense', 'dense', 'softmax']);
    expect(net.ops.slice(-3)).toMatchObject([{ input: 'feature_vector', activation: 'relu', kernel: 'head_hidden/kernel' }, { activation: 'linear', kernel: 'head_classes/kernel' }, { output: OUTPUT }]);
    expect(net.input).toEqual({ name: INPUT, shape: [1, 224, 224, 3] });
    expect(net.preprocessing).toEqual({ layout: 'NHWC', size: 224, fit: 'cover', scale: 1 / 255, offset: 0, labels });
    expect(tensorShapes(net).get(net.output)).toEqual([1, 3]);
    expect(tensorShapes(net).get('feature_vector')).toEqual([1, 1792]);
    // The head's weights are the head's, read back exactly.
    expect(net.weights['head_classes/kernel'].data).toEqual(await head.layers.at(-1)!.getWeights()[0].data());
    // The twin's quantised storage decoded: hub_input maps [0, 1] to [−1, 1].
    expect(Array.from(net.weights['hub_input/depthwise_kernel'].data)).toEqual([2, 2, 2]);
    expect(Array.from(net.weights['hub_input/bias'].data)).toEqual([-1, -1, -1]);
  });

  it('with test-time flip: a mirror of the input through the same ops and weights, the two answers averaged', async () => {
    const plain = await networkFromLayers(artifacts, spec.cutPoint, head, { name: 'plain', labels });
    const net = await networkFromLayers(artifacts, spec.cutPoint, head, { name: 'flip', labels, testTimeFlip: true });
    expectWellFormed(net);
    expect(net.ops).toHaveLength(2 * plain.ops.length + 2);
    expect(net.ops[0]).toEqual({ op: 'mirror', input: INPUT, output: MIRRORED });
    expect(net.ops.at(-1)).toEqual({ op: 'average', inputs: [`${OUTPUT}_image`, `mirrored/${OUTPUT}`], output: OUTPUT });
    expect(Object.keys(net.weights).sort()).toEqual(Object.keys(plain.weights).sort());
    const mirroredConvs = net.ops.filter((op) => op.output.startsWith('mirrored/') && 'kernel' in op);
    expect(mirroredConvs.map((op) => ('kernel' in op ? op.kernel : ''))).toEqual(plain.ops.filter((op) => 'kernel' in op).map((op) => ('kernel' in op ? op.kernel : '')));
  });

  it('takes the adapted blocks\' weights over the twin\'s of the same name, in any shape of the same size', async () => {
    const kernel = tf.randomNormal([448, 1792], 0, 0.1, 'float32', 1); // Conv_1's kernel as the adapted copy holds it
    const net = await networkFromLayers(artifacts, spec.cutPoint, head, { name: 'adapted', labels, weights: { 'Conv_1/kernel': kernel } });
    expect(net.weights['Conv_1/kernel'].shape).toEqual([1, 1, 448, 1792]);
    expect(net.weights['Conv_1/kernel'].data).toEqual(await kernel.data());
    const wrong = tf.zeros([10]);
    await expect(networkFromLayers(artifacts, spec.cutPoint, head, { name: 'x', labels, weights: { 'Conv_1/kernel': wrong } })).rejects.toThrow('weight Conv_1/kernel: 10 values given for 802816');
    await expect(networkFromLayers(artifacts, spec.cutPoint, head, { name: 'x', labels, weights: { 'nope/kernel': wrong } })).rejects.toThrow('weight nope/kernel');
    tf.dispose([kernel, wrong]);
  });

  it('names what does not fit: labels for another number of classes, an unknown cut point', async () => {
    await expect(networkFromLayers(artifacts, spec.cutPoint, head, { name: 'x', labels: ['a', 'b'] })).rejects.toThrow('2 labels for a model with 3 classes');
    await expect(networkFromLayers(artifacts, 'no_such_layer', head, { name: 'x', labels })).rejects.toThrow('the backbone has no layer "no_such_layer"');
  });
});

it('Keras MobileNetV2 1.0: batch norm folded into its convolution, ZeroPadding2D + valid into \'same\', out_relu pooled', async () => {
  const spec = BACKBONES.mobilenet_v2_100;
  const head = createHead(1280, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 0 });
  const net = await networkFromLayers(await diskModel(join(modelsDir, spec.folder)).load!(), spec.cutPoint, head, { name: 'keras', labels: ['a', 'b'] });
  expectWellFormed(net);
  expect(counts(net)).toEqual({ conv2d: 35, depthwiseConv2d: 17, add: 10, globalAveragePool: 1, dense: 1, softmax: 1 });
  expect(net.ops.find((op) => op.output === 'Conv1_relu')).toMatchObject({ op: 'conv2d', input: INPUT, kernel: 'Conv1/kernel', bias: 'Conv1/bias', strides: [2, 2], padding: 'same', activation: 'relu6' });
  expect(net.ops.find((op) => op.output === 'block_1_depthwise_relu')).toMatchObject({ input: 'block_1_expand_relu', strides: [2, 2], padding: 'same' });
  expect(Object.keys(net.weights).some((name) => /_BN|_bn|moving/.test(name))).toBe(false);
  expect(tensorShapes(net).get('feature_vector')).toEqual([1, 1280]);
  head.dispose();
});

it('a layer it cannot describe is an Error naming it', async () => {
  // The tiny test backbone: conv → batch norm → a plain ReLU (no max value), which no NetOp is.
  const head = createHead(TINY_SPEC.featureDim, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 4 });
  await expect(networkFromLayers(await (await tinyBackboneSource()).load!(), TINY_SPEC.cutPoint, head, { name: 'tiny', labels: ['a', 'b'] })).rejects.toThrow(
    'the backbone\'s layer "cut_relu" (ReLU) cannot be exported: only ReLU6 is supported',
  );
  head.dispose();
});
