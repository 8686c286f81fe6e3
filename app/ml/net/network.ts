/**
 * The network the app predicts with, described ONCE as plain data: the backbone (with any adapted
 * blocks' weights), the head and the test-time flip, as a list of ops over named tensors with float32
 * weights. Every export format (TFLite float32 and int8, ONNX, PyTorch) is written from this by one
 * writer per format; int8 quantisation is a pass over it, not part of a writer. TF-free and DOM-free.
 *
 * Conventions:
 * - Activations are NHWC, batch first. The input is `[1, size, size, 3]`: RGB pixels (0–255) × scale +
 *   offset (see `Preprocessing`), i.e. what the app feeds its backbone.
 * - Weights use TensorFlow's layouts: conv2d kernel [kh, kw, in, out]; depthwise kernel [kh, kw, in, 1]
 *   (depth multiplier 1); dense kernel [in, out]. A writer converts to its format's layout.
 * - 'same' padding is TensorFlow's: for stride 2 and an even input the extra row/column goes at the
 *   bottom/right (asymmetric). A writer for a symmetric-padding runtime must reproduce it.
 * - `ops` are in topological order; a tensor name is written by exactly one op. Two ops may name the
 *   same weight (the test-time flip runs the same layers on the mirrored image): writers store it once.
 */

/** Each format's statement of how an image becomes its input (issue 18, item 5). */
export interface Preprocessing {
  layout: 'NHWC' | 'NCHW';
  size: number;
  /** "cover": the centred square of the image scaled to size × size; transparent pixels on white. */
  fit: 'cover' | 'contain';
  /** input = pixel (0–255, RGB) × scale + offset; for a uint8 input, the raw pixel. */
  scale: number;
  offset: number;
  labels: string[];
}

export interface Weight {
  shape: number[];
  data: Float32Array;
}

export type Padding = 'same' | 'valid';

export type NetOp =
  | {
      op: 'conv2d' | 'depthwiseConv2d';
      input: string;
      output: string;
      /** Weight names: kernel (TF layout, see above) and bias [out]. */
      kernel: string;
      bias: string;
      strides: [number, number];
      padding: Padding;
      /** ReLU6 fused after the bias, as MobileNetV2 has it. */
      activation: 'linear' | 'relu6';
    }
  | { op: 'add'; inputs: [string, string]; output: string }
  /** Mean over H and W: [n, h, w, c] → [n, c]. */
  | { op: 'globalAveragePool'; input: string; output: string }
  /** [n, in] · kernel [in, out] + bias [out], then the activation. */
  | { op: 'dense'; input: string; output: string; kernel: string; bias: string; activation: 'linear' | 'relu' }
  | { op: 'softmax'; input: string; output: string }
  /** The image mirrored left–right: reverses the W axis of an NHWC tensor. */
  | { op: 'mirror'; input: string; output: string }
  /** Element-wise mean of the inputs (the test-time flip's two answers). */
  | { op: 'average'; inputs: string[]; output: string };

export interface Network {
  name: string;
  input: { name: string; shape: [1, number, number, number] };
  /** Class probabilities [1, classes], in label order. */
  output: string;
  ops: NetOp[];
  weights: Record<string, Weight>;
  preprocessing: Preprocessing;
}

/** The statement of an export whose input is NCHW (ONNX, PyTorch): the network's, in that layout. */
export function nchwPreprocessing(net: Network): Preprocessing {
  const { size, fit, scale, offset, labels } = net.preprocessing;
  return { layout: 'NCHW', size, fit, scale, offset, labels: [...labels] };
}

/** The names of the tensors an op reads. */
export function opInputs(op: NetOp): string[] {
  return 'inputs' in op ? [...op.inputs] : [op.input];
}

/** The shape of every tensor of the network, from the input's, in op order. */
export function tensorShapes(net: Pick<Network, 'input' | 'ops' | 'weights'>): Map<string, number[]> {
  const shapes = new Map<string, number[]>([[net.input.name, [...net.input.shape]]]);
  const shapeOf = (name: string) => {
    const s = shapes.get(name);
    if (!s) throw new Error(`tensor "${name}" is read before it is written`);
    return s;
  };
  for (const op of net.ops) {
    const first = shapeOf(opInputs(op)[0]);
    switch (op.op) {
      case 'conv2d':
      case 'depthwiseConv2d': {
        const [n, h, w] = first;
        const [kh, kw, , out] = net.weights[op.kernel].shape;
        const channels = op.op === 'conv2d' ? out : first[3];
        const side = (x: number, k: number, s: number) => (op.padding === 'same' ? Math.ceil(x / s) : Math.floor((x - k) / s) + 1);
        shapes.set(op.output, [n, side(h, kh, op.strides[0]), side(w, kw, op.strides[1]), channels]);
        break;
      }
      case 'globalAveragePool':
        shapes.set(op.output, [first[0], first[3]]);
        break;
      case 'dense':
        shapes.set(op.output, [first[0], net.weights[op.kernel].shape[1]]);
        break;
      default:
        shapes.set(op.output, [...first]);
    }
  }
  return shapes;
}

/**
 * TensorFlow's 'same' padding along one axis: [before, after]. The extra row/column, when the total is
 * odd, goes after (bottom/right).
 */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
