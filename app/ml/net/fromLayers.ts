/**
 * The network the app predicts with, as a `Network`, from what the TF.js export is built from: the layers
 * backbone's artifacts (its model.json topology and weights), the cut point, the trained head, the
 * adapted blocks' weights and the test-time flip. Read from JSON and weight values, never by applying
 * the live models. ReLU6 and batch normalisation are folded into the convolution before them, and a
 * ZeroPadding2D that equals TensorFlow's 'same' padding into the convolution after it, so MobileNetV2's
 * TF-Hub twin and Keras's MobileNetV2 both become the few ops of `NetOp`. A layer that cannot be
 * described is an Error naming it.
 */
import * as tf from '@tensorflow/tfjs';
import { samePadding, tensorShapes, type NetOp, type Network, type Padding, type Weight } from './network';

export interface FromLayersOptions {
  name: string;
  /** Class names in the head's output order. */
  labels: string[];
  /** Average each image's answer with its mirror's, as the app's prediction does. */
  testTimeFlip?: boolean;
  /** Weights that replace the backbone's of the same name (the adapted blocks'), in any shape of the same size. */
  weights?: tf.NamedTensorMap;
}

/** What the app feeds its backbone: pixel / 255 (the backbone's own first layer maps it further). */
export const BACKBONE_SCALE = 1 / 255;

/** The name of a network's input, its mirror and its output. */
export const INPUT = 'image';
export const MIRRORED = 'image_mirrored';
export const OUTPUT = 'probabilities';
/** Prefix of the tensors the test-time flip's second pass writes (same ops, same weights). */
export const MIRROR_PREFIX = 'mirrored/';

interface LayerJson {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

type Conv = Extract<NetOp, { op: 'conv2d' | 'depthwiseConv2d' }>;

function layerError(layer: LayerJson, why: string): Error {
  return new Error(`the backbone's layer "${layer.name}" (${layer.class_name}) cannot be exported: ${why}`);
}

/** The layers a functional model's JSON lists, whatever wraps them. */
function backboneLayers(artifacts: tf.io.ModelArtifacts): LayerJson[] {
  const topology = artifacts.modelTopology as { model_config?: unknown } | undefined;
  const config = (topology && 'model_config' in topology ? topology.model_config : topology) as { class_name?: string; config?: { layers?: LayerJson[] } } | undefined;
  const layers = config?.config?.layers;
  if (!layers || !['Model', 'Functional'].includes(config.class_name ?? '') || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new Error('the backbone is not a functional layers model with weights');
  }
  return layers;
}

/** The layer names a layer reads (its one call; a layer called twice is not supported). */
function inboundOf(layer: LayerJson): string[] {
  if (layer.inbound_nodes.length === 0) return [];
  if (layer.inbound_nodes.length > 1) throw layerError(layer, 'it is called more than once');
  const node = layer.inbound_nodes[0];
  if (!Array.isArray(node) || !node.every((edge) => Array.isArray(edge) && typeof edge[0] === 'string' && edge[2] === 0)) {
    throw layerError(layer, 'its inputs are not in the Keras 2 format');
  }
  return node.map((edge) => (edge as [string])[0]);
}

function pair(value: unknown, layer: LayerJson, key: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0], value[1]];
  throw layerError(layer, `${key} ${JSON.stringify(value)}`);
}

/** ZeroPadding2D's padding as [[top, bottom], [left, right]]. */
function zeroPadding(layer: LayerJson): [[number, number], [number, number]] {
  const p = layer.config.padding;
  if (typeof p === 'number') return [[p, p], [p, p]];
  if (Array.isArray(p) && p.length === 2) {
    const [h, w] = p.map((v: unknown) => pair(v, layer, 'padding'));
    return [h, w];
  }
  throw layerError(layer, `padding ${JSON.stringify(p)}`);
}

function expectConfig(layer: LayerJson, key: string, allowed: unknown[]): void {
  const value = layer.config[key];
  if (value !== undefined && !allowed.some((a) => JSON.stringify(a) === JSON.stringify(value))) throw layerError(layer, `${key} ${JSON.stringify(value)}`);
}

/** Every weight of the artifacts as float32 values (quantised storage decoded), by name. */
async function decodeAll(artifacts: tf.io.ModelArtifacts): Promise<Record<string, Weight>> {
  const tensors = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs!);
  try {
    const entries = await Promise.all(Object.entries(tensors).map(async ([name, t]): Promise<[string, Weight]> => [name, { shape: [...t.shape], data: Float32Array.from(await t.data()) }]));
    return Object.fromEntries(entries);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * The backbone's layers up to `cutPoint` (pooled if it is a feature map) as ops from `INPUT`.
 * Mutates `weights` (batch norm folded in, biases added where a convolution has none).
 */
function backboneOps(layers: LayerJson[], cutPoint: string, weights: Record<string, Weight>): { ops: NetOp[]; size: number; features: string } {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const cutLayer = byName.get(cutPoint);
  if (!cutLayer) throw new Error(`the backbone has no layer "${cutPoint}"`);
  // The layers the cut depends on, and how many of those read each one.
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    const layer = byName.get(name);
    if (!layer) throw new Error(`the backbone has no layer "${name}"`);
    needed.add(name);
    inboundOf(layer).forEach(visit);
  };
  visit(cutPoint);
  const readers = new Map<string, number>();
  for (const name of needed) for (const from of inboundOf(byName.get(name)!)) readers.set(from, (readers.get(from) ?? 0) + 1);

  const ops: NetOp[] = [];
  /** The tensor holding each layer's output, and the op that writes it (fusing moves both). */
  const tensorOf = new Map<string, string>();
  const writer = new Map<string, NetOp>();
  const sides = new Map<string, [number, number]>();
  const pads = new Map<string, { source: string; padding: [[number, number], [number, number]] }>();
  let size = 0;

  /** The convolution a BatchNormalization or ReLU layer can be folded into, or an Error naming it. */
  const foldTarget = (layer: LayerJson, from: string): Conv => {
    const op = writer.get(from);
    if (!op || (op.op !== 'conv2d' && op.op !== 'depthwiseConv2d')) throw layerError(layer, 'it does not follow a convolution');
    if (op.activation !== 'linear') throw layerError(layer, 'it follows an activation');
    if ((readers.get(from) ?? 0) !== 1) throw layerError(layer, `the convolution before it has other readers`);
    return op;
  };
  const fused = (layer: LayerJson, op: Conv) => {
    op.output = layer.name;
    tensorOf.set(layer.name, layer.name);
    writer.set(layer.name, op);
    sides.set(layer.name, sides.get(op.input)!);
  };

  for (const layer of layers) {
    if (!needed.has(layer.name)) continue;
    const inbound = inboundOf(layer);
    const input = inbound.length ? tensorOf.get(inbound[0]) : undefined;
    if (inbound.length && !inbound.every((name) => tensorOf.has(name))) throw layerError(layer, 'it is listed before its inputs');
    const padded = inbound.find((name) => pads.has(name));
    if (padded && layer.class_name !== 'Conv2D' && layer.class_name !== 'DepthwiseConv2D') throw layerError(byName.get(padded)!, `only a convolution may read a padding, not "${layer.name}"`);
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = layer.config.batch_input_shape;
        if (!Array.isArray(shape) || shape.length !== 4 || shape[1] !== shape[2] || shape[3] !== 3) throw layerError(layer, `input shape ${JSON.stringify(shape)}`);
        size = shape[1];
        tensorOf.set(layer.name, INPUT);
        sides.set(INPUT, [size, size]);
        break;
      }
      case 'ZeroPadding2D': {
        expectConfig(layer, 'data_format', ['channels_last']);
        const padding = zeroPadding(layer);
        const [h, w] = sides.get(input!)!;
        pads.set(layer.name, { source: input!, padding });
        tensorOf.set(layer.name, layer.name);
        sides.set(layer.name, [h + padding[0][0] + padding[0][1], w + padding[1][0] + padding[1][1]]);
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        expectConfig(layer, 'data_format', ['channels_last']);
        expectConfig(layer, 'dilation_rate', [[1, 1], 1]);
        expectConfig(layer, 'depth_multiplier', [1]);
        expectConfig(layer, 'groups', [1]);
        const activation = layer.config.activation ?? 'linear';
        if (activation !== 'linear' && activation !== 'relu6') throw layerError(layer, `activation ${JSON.stringify(activation)}`);
        const kernel = `${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`;
        const bias = `${layer.name}/bias`;
        if (!weights[kernel]) throw layerError(layer, `no weight ${kernel}`);
        const [kh, kw, , out] = weights[kernel].shape;
        const channels = depthwise ? weights[kernel].shape[2] : out;
        if (layer.config.use_bias === false || !weights[bias]) weights[bias] = { shape: [channels], data: new Float32Array(channels) };
        const strides = pair(layer.config.strides ?? [1, 1], layer, 'strides');
        const declared = layer.config.padding;
        if (declared !== 'same' && declared !== 'valid') throw layerError(layer, `padding ${JSON.stringify(declared)}`);
        let padding: Padding = declared;
        let from = input!;
        const pad = pads.get(inbound[0]);
        if (pad) {
          // Explicit zero padding followed by a 'valid' convolution is TensorFlow's 'same' when it pads as 'same' would.
          const [h, w] = sides.get(pad.source)!;
          const same = [samePadding(h, kh, strides[0]), samePadding(w, kw, strides[1])];
          if (padding !== 'valid' || JSON.stringify(same) !== JSON.stringify(pad.padding) || (readers.get(inbound[0]) ?? 0) !== 1) {
            throw layerError(byName.get(inbound[0])!, `its padding ${JSON.stringify(pad.padding)} is not the 'same' padding of "${layer.name}"`);
          }
          from = pad.source;
          padding = 'same';
        }
        const op: Conv = { op: depthwise ? 'depthwiseConv2d' : 'conv2d', input: from, output: layer.name, kernel, bias, strides, padding, activation };
        const [h, w] = sides.get(from)!;
        const side = (x: number, k: number, s: number) => (padding === 'same' ? Math.ceil(x / s) : Math.floor((x - k) / s) + 1);
        ops.push(op);
        tensorOf.set(layer.name, layer.name);
        writer.set(layer.name, op);
        sides.set(layer.name, [side(h, kh, strides[0]), side(w, kw, strides[1])]);
        break;
      }
      case 'BatchNormalization': {
        expectConfig(layer, 'axis', [-1, 3, [3]]);
        const op = foldTarget(layer, input!);
        foldBatchNorm(layer, op, weights);
        fused(layer, op);
        break;
      }
      case 'ReLU': {
        const { max_value: max, negative_slope: slope = 0, threshold = 0 } = layer.config;
        if (max !== 6 || slope !== 0 || threshold !== 0) throw layerError(layer, `only ReLU6 is supported (max_value ${JSON.stringify(max)}, negative_slope ${JSON.stringify(slope)}, threshold ${JSON.stringify(threshold)})`);
        const op = foldTarget(layer, input!);
        op.activation = 'relu6';
        fused(layer, op);
        break;
      }
      case 'Add': {
        if (inbound.length !== 2) throw layerError(layer, `${inbound.length} inputs`);
        const op: NetOp = { op: 'add', inputs: [tensorOf.get(inbound[0])!, tensorOf.get(inbound[1])!], output: layer.name };
        ops.push(op);
        tensorOf.set(layer.name, layer.name);
        writer.set(layer.name, op);
        sides.set(layer.name, sides.get(input!)!);
        break;
      }
      case 'GlobalAveragePooling2D': {
        expectConfig(layer, 'data_format', ['channels_last']);
        expectConfig(layer, 'keepdims', [false]);
        const op: NetOp = { op: 'globalAveragePool', input: input!, output: layer.name };
        ops.push(op);
        tensorOf.set(layer.name, layer.name);
        writer.set(layer.name, op);
        break;
      }
      default:
        throw layerError(layer, 'this kind of layer is not supported');
    }
  }
  if (pads.has(cutPoint)) throw layerError(cutLayer, 'the cut point is a padding');
  let features = tensorOf.get(cutPoint)!;
  if (cutLayer.class_name !== 'GlobalAveragePooling2D') {
    // A feature map (e.g. Keras MobileNetV2's out_relu) is pooled to the embedding, as backbone.ts does.
    const pooled = needed.has('feature_vector') ? `${cutPoint}_pooled` : 'feature_vector';
    ops.push({ op: 'globalAveragePool', input: features, output: pooled });
    features = pooled;
  }
  return { ops, size, features };
}

/** y = γ (x − mean) / √(var + ε) + β folded into the convolution's kernel and bias (per output channel). */
function foldBatchNorm(layer: LayerJson, op: Conv, weights: Record<string, Weight>): void {
  const get = (key: string) => weights[`${layer.name}/${key}`];
  const mean = get('moving_mean');
  const variance = get('moving_variance');
  if (!mean || !variance) throw layerError(layer, 'no moving mean or variance');
  const channels = mean.data.length;
  const gamma = layer.config.scale === false ? undefined : get('gamma');
  const beta = layer.config.center === false ? undefined : get('beta');
  if ((layer.config.scale !== false && !gamma) || (layer.config.center !== false && !beta)) throw layerError(layer, 'no gamma or beta');
  const epsilon = typeof layer.config.epsilon === 'number' ? layer.config.epsilon : 1e-3;
  const scale = new Float64Array(channels).map((_, c) => (gamma ? gamma.data[c] : 1) / Math.sqrt(variance.data[c] + epsilon));
  const kernel = weights[op.kernel];
  const outChannels = op.op === 'conv2d' ? kernel.shape[3] : kernel.shape[2];
  if (outChannels !== channels) throw layerError(layer, `${channels} channels after a convolution with ${outChannels}`);
  // Output channels are the last axis of a conv2d kernel and the third (depth multiplier 1) of a depthwise one.
  weights[op.kernel] = { shape: kernel.shape, data: kernel.data.map((v, i) => v * scale[i % channels]) };
  const bias = weights[op.bias];
  weights[op.bias] = { shape: [channels], data: bias.data.map((b, c) => (b - mean.data[c]) * scale[c] + (beta ? beta.data[c] : 0)) };
}

/** The trained head as dense ops after `features`, its softmax last; its weights under head_<layer>/… */
async function headOps(head: tf.LayersModel, features: string, featureDim: number, weights: Record<string, Weight>): Promise<NetOp[]> {
  const ops: NetOp[] = [];
  let last = features;
  let inputDim = featureDim;
  const dense = head.layers.filter((l) => l.getClassName() === 'Dense');
  for (const layer of head.layers) {
    const kind = layer.getClassName();
    if (kind === 'Dropout' || kind === 'InputLayer') continue; // Dropout is the identity at prediction.
    if (kind !== 'Dense') throw new Error(`the head's layer "${layer.name}" (${kind}) cannot be exported`);
    const config = layer.getConfig();
    const activation = config.activation;
    const isLast = layer === dense[dense.length - 1];
    if (!(isLast ? activation === 'softmax' : activation === 'relu' || activation === 'linear')) {
      throw new Error(`the head's layer "${layer.name}" has activation ${JSON.stringify(activation)}`);
    }
    const [kernel, bias] = layer.getWeights();
    const [rows, units] = kernel.shape;
    if (rows !== inputDim) throw new Error(`the head's layer "${layer.name}" takes ${rows} values, not the ${inputDim} before it`);
    const name = `head_${layer.name}`;
    weights[`${name}/kernel`] = { shape: [rows, units], data: Float32Array.from(await kernel.data()) };
    weights[`${name}/bias`] = { shape: [units], data: bias ? Float32Array.from(await bias.data()) : new Float32Array(units) };
    const output = isLast ? `${name}_logits` : name;
    ops.push({ op: 'dense', input: last, output, kernel: `${name}/kernel`, bias: `${name}/bias`, activation: isLast ? 'linear' : (activation as 'relu' | 'linear') });
    last = output;
    inputDim = units;
  }
  if (dense.length === 0) throw new Error('the head has no dense layer');
  ops.push({ op: 'softmax', input: last, output: OUTPUT });
  return ops;
}

/** The same ops on the mirrored image: every tensor renamed, every weight shared. */
function mirrored(ops: NetOp[]): NetOp[] {
  const rename = (name: string) => (name === INPUT ? MIRRORED : MIRROR_PREFIX + name);
  return ops.map((op) => ('inputs' in op ? { ...op, inputs: op.inputs.map(rename), output: rename(op.output) } : { ...op, input: rename(op.input), output: rename(op.output) }) as NetOp);
}

/**
 * The network the app predicts with: `backbone` (a layers model's artifacts) up to `cutPoint`, pooled if
 * that is a feature map, then `head`; with `testTimeFlip`, the average of that and the same ops on the
 * mirrored image. Its input is pixel / 255, what the app feeds the backbone.
 */
export async function networkFromLayers(backbone: tf.io.ModelArtifacts, cutPoint: string, head: tf.LayersModel, options: FromLayersOptions): Promise<Network> {
  const layers = backboneLayers(backbone);
  const weights = await decodeAll(backbone);
  for (const [name, t] of Object.entries(options.weights ?? {})) {
    const own = weights[name];
    if (!own) throw new Error(`weight ${name}: the backbone has no weight of that name`);
    if (t.size !== own.data.length) throw new Error(`weight ${name}: ${t.size} values given for ${own.data.length}`);
    weights[name] = { shape: own.shape, data: Float32Array.from(await t.data()) };
  }
  const backboneNet = backboneOps(layers, cutPoint, weights);
  const units = head.outputs[0].shape[1];
  if (options.labels.length !== units) throw new Error(`${options.labels.length} labels for a model with ${units} classes`);
  const input: Network['input'] = { name: INPUT, shape: [1, backboneNet.size, backboneNet.size, 3] };
  const featureDim = tensorShapes({ input, ops: backboneNet.ops, weights }).get(backboneNet.features)![1];
  const plain = [...backboneNet.ops, ...(await headOps(head, backboneNet.features, featureDim, weights))];
  let ops = plain;
  if (options.testTimeFlip) {
    const own = `${OUTPUT}_image`;
    const first = plain.map((op) => (op.output === OUTPUT ? { ...op, output: own } : op));
    ops = [{ op: 'mirror', input: INPUT, output: MIRRORED }, ...first, ...mirrored(plain), { op: 'average', inputs: [own, MIRROR_PREFIX + OUTPUT], output: OUTPUT }];
  }
  const used = new Set(ops.flatMap((op) => ('kernel' in op ? [op.kernel, op.bias] : [])));
  return {
    name: options.name,
    input,
    output: OUTPUT,
    ops,
    weights: Object.fromEntries(Object.entries(weights).filter(([name]) => used.has(name))),
    preprocessing: { layout: 'NHWC', size: backboneNet.size, fit: 'cover', scale: BACKBONE_SCALE, offset: 0, labels: [...options.labels] },
  };
}
