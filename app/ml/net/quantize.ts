/**
 * Full-integer int8 quantisation of a `Network`, as a pass over its description (a writer serialises the
 * result; app/ml/net/tflite/write.ts does for TFLite):
 * - weights int8, symmetric: per output channel for convolutions and depthwise convolutions, per tensor
 *   for dense layers; biases int32 with scale = input scale × weight scale, zero point 0;
 * - activations int8, asymmetric, from each tensor's smallest and largest value over a representative set
 *   of images (calibration), the range widened to hold 0;
 * - the input uint8: the raw pixel, since input = pixel × scale + offset is exactly the uint8 tensor's
 *   (scale, zero point = −offset / scale); the output float32 (the writer dequantises it) — LiteRT.js,
 *   MediaPipe and the Task Library refuse int8 inputs and outputs;
 * - softmax's output scale 1/256, zero point −128, as TFLite's int8 kernel requires.
 * Tensors that must share quantisation share it: a mirror's input and output, the inputs (and outputs)
 * of ops that share a weight — the test-time flip's two passes — so a shared bias has one scale and is
 * stored once, and an average's inputs and output.
 */
import * as tf from '@tensorflow/tfjs';
import { opInputs, type NetOp, type Network } from './network';
import { tensorRanges, type Range } from './run';

/** real = scale × (q − zeroPoint) */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

export interface QuantizedWeight {
  /** int8 for kernels, int32 for biases, in the float weight's (TensorFlow) layout. */
  data: Int8Array | Int32Array;
  /** One scale per slice along `axis`, or one for the whole tensor (`axis` −1). Zero points are 0. */
  scales: Float32Array;
  axis: number;
}

export interface QuantizedNetwork {
  /** The network quantised (its ops, shapes and float preprocessing). */
  float: Network;
  /** The uint8 input: pixel = q, so real = scale × (q − zeroPoint) is the float network's input. */
  input: QuantParams;
  /** int8 parameters of every activation tensor, by name (the input's int8 form included). */
  activations: Record<string, QuantParams>;
  weights: Record<string, QuantizedWeight>;
}

const INT8_MIN = -128;
const INT8_MAX = 127;
const INT32_MAX = 2 ** 31 - 1;
export const SOFTMAX_OUTPUT: QuantParams = { scale: 1 / 256, zeroPoint: -128 };

/** int8 asymmetric parameters for values in [min, max], the range widened to hold 0 (exactly representable). */
export function int8Params({ min, max }: Range): QuantParams {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = hi > lo ? (hi - lo) / (INT8_MAX - INT8_MIN) : 1 / 255;
  const zeroPoint = Math.max(INT8_MIN, Math.min(INT8_MAX, Math.round(INT8_MIN - lo / scale)));
  return { scale, zeroPoint };
}

/** Union–find over tensor names. */
class Groups {
  private parent = new Map<string, string>();
  find(name: string): string {
    let root = name;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(name, root);
    return root;
  }
  union(a: string, b: string): boolean {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra === rb) return false;
    this.parent.set(rb, ra);
    return true;
  }
}

/** Which tensors must share quantisation parameters (see the header). */
function sharedGroups(net: Network): Groups {
  const groups = new Groups();
  const firstWith = new Map<string, NetOp>();
  for (const op of net.ops) {
    if (op.op === 'mirror') groups.union(op.input, op.output);
    if (op.op === 'average') for (const input of op.inputs) groups.union(op.output, input);
    if ('kernel' in op) {
      const first = firstWith.get(op.kernel);
      if (!first) firstWith.set(op.kernel, op);
      else if ('kernel' in first) {
        groups.union(first.input, op.input);
        groups.union(first.output, op.output);
      }
    }
  }
  // Congruence: ops of one kind on inputs that share parameters give outputs that share them.
  for (let changed = true; changed; ) {
    changed = false;
    const seen = new Map<string, string>();
    for (const op of net.ops) {
      if (op.op === 'mirror' || op.op === 'average') continue;
      const key = [op.op, 'kernel' in op ? op.kernel : '', ...opInputs(op).map((n) => groups.find(n))].join('\u0000');
      const other = seen.get(key);
      if (other === undefined) seen.set(key, op.output);
      else changed = groups.union(other, op.output) || changed;
    }
  }
  return groups;
}

/** int8 symmetric per-slice quantisation of `data` (row-major in `shape`) along `axis`, or per tensor (−1). */
function symmetric(data: Float32Array, shape: number[], axis: number): { q: Int8Array; scales: Float32Array } {
  const slices = axis < 0 ? 1 : shape[axis];
  const inner = axis < 0 ? 1 : shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const sliceOf = (i: number) => (axis < 0 ? 0 : Math.floor(i / inner) % slices);
  const maxAbs = new Float64Array(slices);
  data.forEach((v, i) => {
    const s = sliceOf(i);
    maxAbs[s] = Math.max(maxAbs[s], Math.abs(v));
  });
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / INT8_MAX : 1 / INT8_MAX));
  const q = new Int8Array(data.length);
  data.forEach((v, i) => {
    q[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(v / scales[sliceOf(i)])));
  });
  return { q, scales };
}

/** The int8 network for the calibrated `ranges` of every activation tensor (as `tensorRanges` measures them). */
export function quantizeWithRanges(net: Network, ranges: Map<string, Range>): QuantizedNetwork {
  const { scale, offset } = net.preprocessing;
  const zeroPoint = Math.round(0 - offset / scale);
  if (!(scale > 0) || Math.abs(zeroPoint + offset / scale) > 1e-4 || zeroPoint < 0 || zeroPoint > 255) {
    throw new Error(`network ${net.name}: its input (pixel × ${scale} + ${offset}) cannot be a uint8 tensor`);
  }
  const input: QuantParams = { scale, zeroPoint };

  const groups = sharedGroups(net);
  const names = [net.input.name, ...net.ops.map((op) => op.output)];
  // Fixed parameters first: the input's (exact) and softmax outputs'.
  const fixed = new Map<string, QuantParams>([[groups.find(net.input.name), { scale, zeroPoint: zeroPoint - 128 }]]);
  for (const op of net.ops) {
    if (op.op !== 'softmax') continue;
    const root = groups.find(op.output);
    const other = fixed.get(root);
    if (other && (other.scale !== SOFTMAX_OUTPUT.scale || other.zeroPoint !== SOFTMAX_OUTPUT.zeroPoint)) {
      throw new Error(`network ${net.name}: softmax output "${op.output}" shares its quantisation with a tensor that cannot take [0, 1]`);
    }
    fixed.set(root, SOFTMAX_OUTPUT);
  }
  const groupRange = new Map<string, Range>();
  for (const name of names) {
    const range = ranges.get(name);
    if (!range) throw new Error(`network ${net.name}: no calibration range for tensor "${name}"`);
    if (!Number.isFinite(range.min) || !Number.isFinite(range.max)) throw new Error(`network ${net.name}: tensor "${name}" reached ${range.min}…${range.max} in calibration`);
    const root = groups.find(name);
    const seen = groupRange.get(root);
    groupRange.set(root, seen ? { min: Math.min(seen.min, range.min), max: Math.max(seen.max, range.max) } : { ...range });
  }
  const activations: Record<string, QuantParams> = {};
  for (const name of names) {
    const root = groups.find(name);
    activations[name] = fixed.get(root) ?? int8Params(groupRange.get(root)!);
  }

  const weights: Record<string, QuantizedWeight> = {};
  for (const op of net.ops) {
    if (!('kernel' in op) || weights[op.kernel]) continue;
    const kernel = net.weights[op.kernel];
    const bias = net.weights[op.bias];
    if (!kernel || !bias) throw new Error(`network ${net.name}: op "${op.output}" has no weight "${kernel ? op.bias : op.kernel}"`);
    // Per output channel: the last axis of a conv2d kernel, the third (channel) of a depthwise one; per tensor for dense.
    const axis = op.op === 'conv2d' ? 3 : op.op === 'depthwiseConv2d' ? 2 : -1;
    const { q, scales } = symmetric(kernel.data, kernel.shape, axis);
    const inScale = activations[op.input].scale;
    // A bias too large for int32 at input × weight scale widens that channel's weight scale.
    const channels = bias.data.length;
    const wScale = (c: number) => scales[axis < 0 ? 0 : c];
    let widened = false;
    for (let c = 0; c < channels; c++) {
      const need = Math.abs(bias.data[c]) / (inScale * INT32_MAX);
      if (need > wScale(c)) {
        scales[axis < 0 ? 0 : c] = need * 1.01;
        widened = true;
      }
    }
    const kernelQ = widened ? requantize(kernel.data, kernel.shape, axis, scales) : q;
    const biasScales = axis < 0 ? Float32Array.of(inScale * scales[0]) : Float32Array.from(scales, (s) => inScale * s);
    const biasQ = Int32Array.from(bias.data, (b, c) => Math.round(b / biasScales[axis < 0 ? 0 : c]));
    weights[op.kernel] = { data: kernelQ, scales, axis };
    weights[op.bias] = { data: biasQ, scales: biasScales, axis: axis < 0 ? -1 : 0 };
  }
  return { float: net, input, activations, weights };
}

function requantize(data: Float32Array, shape: number[], axis: number, scales: Float32Array): Int8Array {
  const inner = axis < 0 ? 1 : shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const slices = axis < 0 ? 1 : shape[axis];
  return Int8Array.from(data, (v, i) => Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(v / scales[axis < 0 ? 0 : Math.floor(i / inner) % slices]))));
}

/**
 * The float network with each weight replaced by its quantised value (int8 or int32 × its scale), same ops
 * and names: what the int8 file computes with, before its activations are rounded.
 */
export function dequantizedNetwork(q: QuantizedNetwork): Network {
  const weights = Object.fromEntries(
    Object.entries(q.float.weights).map(([name, w]) => {
      const qw = q.weights[name];
      if (!qw) throw new Error(`network ${q.float.name}: weight "${name}" is not quantised`);
      const inner = qw.axis < 0 ? 1 : w.shape.slice(qw.axis + 1).reduce((a, b) => a * b, 1);
      const slices = qw.axis < 0 ? 1 : w.shape[qw.axis];
      const data = Float32Array.from(qw.data, (v, i) => v * qw.scales[qw.axis < 0 ? 0 : Math.floor(i / inner) % slices]);
      return [name, { shape: [...w.shape], data }];
    }),
  );
  return { ...q.float, name: `${q.float.name} (int8 weights)`, weights };
}

export interface CalibrationOptions {
  /** Called after each batch is measured, with the number of images measured so far. */
  onProgress?: (images: number) => void;
}

/**
 * Calibrates `net` on `batches` of inputs [n, size, size, 3] (pixel × scale + offset), each measured by
 * the TF.js runner and then disposed — produce them lazily to keep one batch in memory — and returns
 * its int8 quantisation.
 */
export async function quantizeNetwork(
  net: Network,
  batches: Iterable<tf.Tensor4D> | AsyncIterable<tf.Tensor4D>,
  options: CalibrationOptions = {},
): Promise<QuantizedNetwork> {
  let images = 0;
  async function* measured(): AsyncGenerator<tf.Tensor4D> {
    for await (const batch of batches) {
      try {
        yield batch;
      } finally {
        batch.dispose();
      }
      images += batch.shape[0];
      options.onProgress?.(images);
    }
  }
  const ranges = await tensorRanges(net, measured());
  if (images === 0) throw new Error(`network ${net.name}: no images to calibrate on`);
  return quantizeWithRanges(net, ranges);
}
