/**
 * What int8 calibration needs before it starts (TF-free, DOM-free): which of the project's images it
 * measures, and how much memory it will take, so a device without that much is told so instead of
 * running out half-way.
 */
import { opInputs, tensorShapes, type Network } from './network';

/** The most inputs calibration measures: enough for stable ranges, a few seconds each hundred on wasm. */
export const CALIBRATION_LIMIT = 200;
/** Images per calibration batch (what the memory estimate multiplies). */
export const CALIBRATION_BATCH = 8;

/** One calibration input: an image itself (`view` −1) or its i-th augmented view. */
export interface CalibrationItem {
  id: string;
  view: number;
}

/**
 * Up to `limit` inputs from the training images, classes taken in turn so a cut keeps them balanced:
 * every image itself first, then each image's view 0, view 1, … (`views` per image).
 */
export function calibrationSet(idsByClass: readonly (readonly string[])[], views: number, limit = CALIBRATION_LIMIT): CalibrationItem[] {
  const items: CalibrationItem[] = [];
  const longest = Math.max(0, ...idsByClass.map((ids) => ids.length));
  for (let view = -1; view < views; view++) {
    for (let i = 0; i < longest; i++) {
      for (const ids of idsByClass) {
        if (i >= ids.length) continue;
        if (items.length >= limit) return items;
        items.push({ id: ids[i], view });
      }
    }
  }
  return items;
}

const FLOAT = 4;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Bytes the TF.js runner (run.ts) holds at its widest point for ONE image: the tensors still to be read
 * plus the op being computed (a convolution or dense layer makes up to three tensors of its output's
 * size before its tidy ends: the product, the bias added, the activation).
 */
export function peakActivationBytes(net: Network): number {
  const shapes = tensorShapes(net);
  const bytes = (name: string) => size(shapes.get(name)!.slice(1)) * FLOAT;
  const readers = new Map<string, number>([[net.output, 1]]);
  for (const op of net.ops) for (const name of opInputs(op)) readers.set(name, (readers.get(name) ?? 0) + 1);
  let live = bytes(net.input.name);
  let peak = live;
  for (const op of net.ops) {
    const made = op.op === 'conv2d' || op.op === 'depthwiseConv2d' || op.op === 'dense' ? 3 : 1;
    peak = Math.max(peak, live + made * bytes(op.output));
    if (readers.has(op.output)) live += bytes(op.output);
    for (const name of opInputs(op)) {
      const left = readers.get(name)! - 1;
      readers.set(name, left);
      if (left === 0 && name !== net.input.name) live -= bytes(name);
    }
  }
  return peak;
}

/** The float32 weights' bytes. */
export function weightBytes(net: Network): number {
  return Object.values(net.weights).reduce((sum, w) => sum + w.data.byteLength, 0);
}

/**
 * Memory the int8 export takes at its peak, in bytes (W: the float32 weights' bytes). Calibrating: the
 * network's weights in JavaScript and uploaded to the backend (2W), and per image of a batch the widest
 * activations, its decoded pixels and its input tensor. Writing: the weights, their int8 copy (W/4), the
 * int8 file (W/4) and the float32 file it is compared with, built in a buffer then copied out (2W).
 * Checking against the app: the weights, the int8 copy and file, and the dequantised weights in
 * JavaScript and uploaded (2W).
 */
export function int8ExportBytes(net: Network, batch = CALIBRATION_BATCH): number {
  const w = weightBytes(net);
  const input = size(net.input.shape.slice(1)) * FLOAT;
  const peak = peakActivationBytes(net);
  const calibrating = 2 * w + batch * (peak + 2 * input);
  const writing = w + w / 4 + w / 4 + 2 * w;
  const checking = w + w / 4 + w / 4 + 2 * w + peak + input;
  return Math.ceil(Math.max(calibrating, writing, checking));
}
