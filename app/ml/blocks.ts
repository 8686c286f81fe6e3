import * as tf from '@tensorflow/tfjs';
import { takeRows } from './headStep';

/**
 * The last inverted-residual blocks of MobileNetV2 (1.4, 224 px) as plain variables, with a forward pass
 * written from kernels that have gradients on every backend, wasm included (which has no convolution
 * gradients): a 1×1 convolution is a matrix product over positions, a 3×3 'same' depthwise convolution
 * is the sum of nine shifted slices of the zero-padded input times per-channel weights (with stride 2,
 * block 13's 14×14 → 7×7, each slice keeps every second row and column: a reshape splits positions by
 * parity), ReLU6 is relu6, and global average pooling a mean over positions.
 * Checked against the layers model's own output and TF.js autodiff of it in blocks.test.ts.
 */

/** The last block of the network; "the last N blocks" are LAST_BLOCK − N + 1 … LAST_BLOCK (+ the top conv). */
export const LAST_BLOCK = 16;
/**
 * The most blocks that can be adapted: blocks 7–16 (14–16 at 7×7, 13 from 14×14 to 7×7 with stride 2,
 * 7–12 at 14×14). Below block 7 the network runs at 28×28 and more, and its cut activations would
 * cost more than the blocks above it to keep.
 */
export const MAX_ADAPT_BLOCKS = 10;
const TOP = 'Conv_1';

interface Conv1x1 {
  kernel: tf.Variable; // [cin, cout]
  bias: tf.Variable;
}

export interface BlockParams {
  name: string;
  expand: Conv1x1;
  /** Depthwise kernel [3, 3, c] and bias [c]. */
  depthwise: { kernel: tf.Variable; bias: tf.Variable };
  project: Conv1x1;
  residual: boolean;
  /** The depthwise convolution's stride: 2 halves the side (block 13), else 1. */
  stride: 1 | 2;
}

export interface AdaptedBlocks {
  /** How many blocks are adapted (1…MAX_ADAPT_BLOCKS). */
  count: number;
  /** The layer whose output is the input of the first adapted block. */
  cutLayer: string;
  /** Cut-point activations: [side, side, channels]. */
  cutShape: [number, number, number];
  blocks: BlockParams[];
  top: Conv1x1;
  /** Every variable of the adapted part, in a fixed order (what the optimizer and storage see). */
  variables: tf.Variable[];
}

let made = 0;

/** The layer names the adapted part copies its weights from, per block, in order. */
export function adaptedLayerNames(count: number): string[] {
  return blockNumbers(count).flatMap((b) => ['expand', 'depthwise', 'project'].map((part) => `expanded_conv_${b}_${part}`)).concat(TOP);
}

function blockNumbers(count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_ADAPT_BLOCKS) {
    throw new Error(`can adapt 1 to ${MAX_ADAPT_BLOCKS} blocks, not ${count}`);
  }
  return Array.from({ length: count }, (_, i) => LAST_BLOCK - count + 1 + i);
}

/** The layer whose output feeds block `first` (the cut point), read from the model's graph. */
export function cutLayerName(model: tf.LayersModel, count: number): string {
  const first = blockNumbers(count)[0];
  const inbound = model.getLayer(`expanded_conv_${first}_expand`).inboundNodes[0].inboundLayers[0];
  return inbound.name;
}

/** Fresh variables holding copies of the last `count` blocks' weights (the model's own stay untouched). */
export function copyBlocks(model: tf.LayersModel, count: number): AdaptedBlocks {
  const id = made++;
  const copy = (layer: string, index: number, shape?: number[]) => {
    const value = model.getLayer(layer).getWeights()[index];
    return tf.tidy(() => tf.variable(shape ? value.reshape(shape) : value.clone(), true, `adapt${id}/${layer}/${index}`));
  };
  const conv = (layer: string): Conv1x1 => {
    const [, , cin, cout] = model.getLayer(layer).getWeights()[0].shape as number[];
    return { kernel: copy(layer, 0, [cin, cout]), bias: copy(layer, 1) };
  };
  const blocks = blockNumbers(count).map((b): BlockParams => {
    const name = `expanded_conv_${b}`;
    const dw = model.getLayer(`${name}_depthwise`).getWeights()[0].shape as number[];
    return {
      name,
      expand: conv(`${name}_expand`),
      depthwise: { kernel: copy(`${name}_depthwise`, 0, [3, 3, dw[2]]), bias: copy(`${name}_depthwise`, 1) },
      project: conv(`${name}_project`),
      residual: model.layers.some((l) => l.name === `${name}_add`),
      stride: (model.getLayer(`${name}_depthwise`).getConfig().strides as number[])[0] === 2 ? 2 : 1,
    };
  });
  const top = conv(TOP);
  const cutLayer = cutLayerName(model, count);
  const [, h, w, c] = model.getLayer(cutLayer).outputShape as number[];
  const variables = [...blocks.flatMap((b) => [b.expand.kernel, b.expand.bias, b.depthwise.kernel, b.depthwise.bias, b.project.kernel, b.project.bias]), top.kernel, top.bias];
  return { count, cutLayer, cutShape: [h, w, c], blocks, top, variables };
}

// tf.relu6, not clipByValue: its gradient is 0 at exactly 0, as Keras's ReLU(6) (a channel that is dead
// for an image, all zeros with a zero bias, must not learn from it); it has gradients on wasm too.
const relu6 = (x: tf.Tensor) => tf.relu6(x);
const conv1x1 = (x: tf.Tensor2D, p: Conv1x1) => tf.matMul(x, p.kernel as tf.Tensor2D).add(p.bias) as tf.Tensor2D;

/**
 * 3×3 'same' depthwise convolution: nine shifted slices of the zero-padded input. Stride 1 pads one
 * zero on each side. Stride 2 (an even side s → s/2) pads as TensorFlow does, none before and one after
 * (one more after, never read, so the side is even); a reshape to [n, s/2+1, 2, s/2+1, 2, c] splits
 * rows and columns by parity, and output o's tap i (input row 2o + i) is parity i mod 2 at row o + ⌊i/2⌋.
 * slice, pad and reshape have gradients on every backend (stridedSlice's is not needed).
 */
function depthwise3x3(x: tf.Tensor4D, kernel: tf.Variable, bias: tf.Variable, stride: 1 | 2): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const weight = (i: number, j: number) => kernel.slice([i, j, 0], [1, 1, c]).reshape([c]);
  // The input under tap (i, j) of every output position.
  let tap: (i: number, j: number) => tf.Tensor4D;
  if (stride === 1) {
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    tap = (i, j) => padded.slice([0, i, j, 0], [n, h, w, c]);
  } else {
    if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`stride 2 needs an even side, not ${h}×${w}`);
    const [oh, ow] = [h / 2, w / 2];
    const split = tf.pad(x, [[0, 0], [0, 2], [0, 2], [0, 0]]).reshape([n, oh + 1, 2, ow + 1, 2, c]);
    tap = (i, j) => split.slice([0, i >> 1, i & 1, j >> 1, j & 1, 0], [n, oh, 1, ow, 1, c]).reshape([n, oh, ow, c]);
  }
  let sum = tap(0, 0).mul(weight(0, 0)) as tf.Tensor4D;
  for (let k = 1; k < 9; k++) sum = sum.add(tap(Math.floor(k / 3), k % 3).mul(weight(Math.floor(k / 3), k % 3)));
  return sum.add(bias);
}

/** Cut-point activations, flattened per image ([n, h·w·c]), → the 1792-d embedding [n, 1792]. Call inside tidy. */
export function blocksForward(adapted: AdaptedBlocks, cut: tf.Tensor2D): tf.Tensor2D {
  const map = blocksFeatureMap(adapted, cut);
  const [n, h, w, c] = map.shape;
  return map.reshape([n, h * w, c]).mean(1) as tf.Tensor2D;
}

/** The last feature map [n, h, w, 1792] of cut-point activations, of which the embedding is the mean (heat maps). Call inside tidy. */
export function blocksFeatureMap(adapted: AdaptedBlocks, cut: tf.Tensor2D): tf.Tensor4D {
  const [h0, w0, c0] = adapted.cutShape;
  const n = cut.shape[0];
  let [h, w] = [h0, w0];
  // Positions as rows: [n·h·w, channels].
  let x = cut.reshape([n * h * w, c0]) as tf.Tensor2D;
  for (const block of adapted.blocks) {
    const expanded = relu6(conv1x1(x, block.expand)) as tf.Tensor2D;
    const c = expanded.shape[1];
    const dw = depthwise3x3(expanded.reshape([n, h, w, c]), block.depthwise.kernel, block.depthwise.bias, block.stride);
    [h, w] = [dw.shape[1], dw.shape[2]];
    const projected = conv1x1(relu6(dw).reshape([n * h * w, c]), block.project);
    x = block.residual ? x.add(projected) : projected;
  }
  const features = relu6(conv1x1(x, adapted.top));
  return features.reshape([n, h, w, features.shape[1] as number]);
}

/** Embeddings of cached cut-point rows, in batches (after fine-tuning, the embedding cache is rebuilt so). */
export function embedFromCut(adapted: AdaptedBlocks, cut: tf.Tensor2D, batch = 16): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < cut.shape[0]; start += batch) {
    const size = Math.min(batch, cut.shape[0] - start);
    // One tidy per batch: a batch's intermediates are ~200 MB at 32 rows, and keeping them all until
    // the end overflowed wasm's memory (642 rows: "memory access out of bounds").
    parts.push(tf.tidy(() => blocksForward(adapted, takeRows(cut, tf.range(start, start + size, 1, 'int32') as tf.Tensor1D))));
  }
  const out = tf.concat(parts) as tf.Tensor2D;
  tf.dispose(parts);
  return out;
}

/** The frozen part of the layers backbone: pixels → cut-point activations, flattened per image. */
export function cutExtractor(model: tf.LayersModel, cutLayer: string): (pixels: tf.Tensor4D) => tf.Tensor2D {
  const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(cutLayer).getOutputAt(0) as tf.SymbolicTensor });
  return (pixels) => tf.tidy(() => {
    const out = sub.predict(pixels) as tf.Tensor4D;
    return out.reshape([out.shape[0], -1]);
  });
}

/** Bytes of one image's cut-point activations (float32). */
export function cutBytesPerImage(adapted: Pick<AdaptedBlocks, 'cutShape'>): number {
  return adapted.cutShape.reduce((a, b) => a * b, 4);
}

/** The adapted weights as plain data (saved with the head) and back. */
export async function blockWeightsData(adapted: AdaptedBlocks): Promise<Float32Array[]> {
  return Promise.all(adapted.variables.map(async (v) => (await v.data()) as Float32Array));
}

export function setBlockWeights(adapted: AdaptedBlocks, data: readonly Float32Array[]): void {
  if (data.length !== adapted.variables.length) throw new Error(`expected ${adapted.variables.length} adapted weights, got ${data.length}`);
  adapted.variables.forEach((v, i) => {
    if (data[i].length !== v.size) throw new Error(`adapted weight ${v.name}: expected ${v.size} values, got ${data[i].length}`);
    tf.tidy(() => v.assign(tf.tensor(data[i], v.shape)));
  });
}

/** The adapted variables under the layers model's weight names (`expanded_conv_16_expand/kernel`…), for the export. */
export function adaptedWeights(adapted: AdaptedBlocks): tf.NamedTensorMap {
  const names = adaptedLayerNames(adapted.count);
  return Object.fromEntries(
    names.flatMap((layer, i) => [
      [`${layer}/${layer.endsWith('_depthwise') ? 'depthwise_kernel' : 'kernel'}`, adapted.variables[2 * i]],
      [`${layer}/bias`, adapted.variables[2 * i + 1]],
    ]),
  );
}

export function disposeBlocks(adapted: AdaptedBlocks): void {
  tf.dispose(adapted.variables);
}
