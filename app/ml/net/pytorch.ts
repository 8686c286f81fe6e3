/**
 * The "Continue in PyTorch" export (issue 18, item 4): a `Network` → one NumPy `.npz` that PyTorch reads
 * without Headstart, for `python/headstart_torch.py`. Its arrays are named as torchvision's
 * `mobilenet_v2(width_mult=1.4)` state_dict names them, in PyTorch's layouts (conv OIHW, depthwise
 * [C, 1, kh, kw], linear [out, in]), with each backbone conv's bias (batch norm is folded into it: the
 * script gives its convs a bias and replaces batch norm with identity). Beside them: `input_affine.*` (the
 * per-channel x·a + b the network starts with), the head as `classifier.<i>.*` (Linear, ReLU, Linear),
 * `headstart.json` (the preprocessing statement, NCHW) and `network.json` (what the script builds).
 * TF-free and DOM-free.
 *
 * The writer checks the network op by op against MobileNetV2's layout at that width (the same
 * channel rounding as torchvision's `_make_divisible`), so a network it cannot express is refused with
 * a message, never written wrong.
 */
import { zipSync } from 'fflate';
import { nchwPreprocessing, opInputs, type NetOp, type Network, type Preprocessing, type Weight } from './network';
import { littleEndian, transpose } from './tensorBytes';

/** What the script builds; stored as `network.json` in the .npz. */
export interface TorchNetwork {
  format: 'headstart-torch';
  version: 1;
  architecture: 'mobilenet_v2';
  widthMult: number;
  /** Feature sizes through the head: [1792, hidden…, classes]; Linear layers with ReLU between. */
  head: number[];
  /** The answer is the mean of the probabilities for the image and its left–right mirror. */
  testTimeFlip: boolean;
}

export interface TorchExport {
  npz: Uint8Array;
  /** The preprocessing statement, as in `headstart.json` (layout NCHW). */
  statement: Preprocessing;
  network: TorchNetwork;
}

/** MobileNetV2's inverted residual settings (expansion t, channels c, repeats n, first stride s), width 1. */
const SETTINGS: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** torchvision's channel rounding: to the nearest multiple of 8, never down by more than 10%. */
function divisible(v: number, by = 8): number {
  const rounded = Math.max(by, Math.floor((v + by / 2) / by) * by);
  return rounded < 0.9 * v ? rounded + by : rounded;
}

/** One convolution torchvision's MobileNetV2 has, in its order, with the state_dict prefix of its weights. */
export interface ExpectedConv {
  name: string;
  depthwise: boolean;
  kernel: number;
  in: number;
  out: number;
  stride: number;
  activation: 'linear' | 'relu6';
  /** The block's input and output are added (stride 1, same channels); set on its projection. */
  residual: boolean;
}

/** The convolutions of torchvision's `mobilenet_v2(width_mult)`, in order. */
export function mobilenetV2Convs(widthMult: number): ExpectedConv[] {
  const convs: ExpectedConv[] = [];
  let input = divisible(32 * widthMult);
  convs.push({ name: 'features.0.0', depthwise: false, kernel: 3, in: 3, out: input, stride: 2, activation: 'relu6', residual: false });
  let index = 1;
  for (const [t, c, n, s] of SETTINGS) {
    const output = divisible(c * widthMult);
    for (let i = 0; i < n; i++, index++) {
      const stride = i === 0 ? s : 1;
      const hidden = Math.round(input * t);
      const block = `features.${index}.conv`;
      let at = 0;
      if (t !== 1) convs.push({ name: `${block}.${at++}.0`, depthwise: false, kernel: 1, in: input, out: hidden, stride: 1, activation: 'relu6', residual: false });
      convs.push({ name: `${block}.${at++}.0`, depthwise: true, kernel: 3, in: hidden, out: hidden, stride, activation: 'relu6', residual: false });
      convs.push({ name: `${block}.${at}`, depthwise: false, kernel: 1, in: hidden, out: output, stride: 1, activation: 'linear', residual: stride === 1 && input === output });
      input = output;
    }
  }
  const last = divisible(1280 * Math.max(1, widthMult));
  convs.push({ name: `features.${index}.0`, depthwise: false, kernel: 1, in: input, out: last, stride: 1, activation: 'relu6', residual: false });
  return convs;
}

/** One `.npy` file (format 1.0): little-endian float32, C order. */
export function npy(shape: readonly number[], data: Float32Array): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npy: shape [${shape.join(', ')}] holds ${count} values, ${data.length} given`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces and ended by '\n' to a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(littleEndian(data), total);
  return out;
}

/** TF layouts → PyTorch's: conv [kh, kw, in, out] → [out, in, kh, kw]; depthwise [kh, kw, c, 1] → [c, 1, kh, kw]; dense [in, out] → [out, in]. */
function transposed(w: Weight, order: number[], shape: number[]): { shape: number[]; data: Float32Array } {
  return { shape, data: transpose(w.data, w.shape, order) };
}

type ConvOp = Extract<NetOp, { op: 'conv2d' | 'depthwiseConv2d' }>;
type DenseOp = Extract<NetOp, { op: 'dense' }>;

function sameOp(a: NetOp, b: NetOp): boolean {
  const strip = (op: NetOp) => JSON.stringify({ ...op, input: undefined, inputs: undefined, output: undefined });
  return strip(a) === strip(b);
}

/** A 1×1, stride-1 convolution: it works pixel by pixel, so mirroring before or after it is the same. */
function pointwise(op: NetOp, net: Network): boolean {
  if (op.op !== 'conv2d' && op.op !== 'depthwiseConv2d') return false;
  const [kh, kw] = net.weights[op.kernel].shape;
  return kh === 1 && kw === 1 && op.strides[0] === 1 && op.strides[1] === 1;
}

/**
 * The ops that compute `output`, in network order, and whether the test-time flip is on: an `average` of
 * two answers, one of them the same ops (same weights) on the `mirror` of the image.
 */
function mainPath(net: Network): { ops: NetOp[]; testTimeFlip: boolean } {
  const producer = new Map(net.ops.map((op) => [op.output, op]));
  const ancestors = (tensor: string): Set<NetOp> => {
    const seen = new Set<NetOp>();
    const stack = [tensor];
    while (stack.length > 0) {
      const op = producer.get(stack.pop()!);
      if (op && !seen.has(op)) {
        seen.add(op);
        stack.push(...opInputs(op));
      }
    }
    return seen;
  };
  const inOrder = (set: Set<NetOp>) => net.ops.filter((op) => set.has(op));
  const last = producer.get(net.output);
  if (!last) throw new Error(`the network's output "${net.output}" is not computed by any op`);
  if (last.op !== 'average') return { ops: inOrder(ancestors(net.output)), testTimeFlip: false };

  const unsupported = 'the PyTorch export supports one test-time flip: the average of the answers for the image and its mirror';
  if (last.inputs.length !== 2) throw new Error(unsupported);
  const branches = last.inputs.map((t) => ancestors(t));
  const mirrored = branches.map((b) => [...b].filter((op) => op.op === 'mirror'));
  const m = mirrored.findIndex((ops) => ops.length === 1);
  if (m < 0 || mirrored[1 - m].length !== 0) throw new Error(unsupported);
  const mirror = mirrored[m][0];
  const main = inOrder(branches[1 - m]);
  const flipped = inOrder(branches[m]).filter((op) => !branches[1 - m].has(op));
  // What comes before the mirror must work pixel by pixel, so the script may mirror the image itself.
  const before = main.findIndex((op) => op.output === mirror.input) + 1;
  if (mirror.input !== net.input.name && before === 0) throw new Error(unsupported);
  if (!main.slice(0, before).every((op) => pointwise(op, net))) throw new Error(`${unsupported}, mirrored before any spatial op`);
  // After it, the same ops on the mirrored tensors, in the same order.
  const rest = flipped.filter((op) => op !== mirror);
  const after = main.slice(before);
  const twin = new Map([[mirror.input, mirror.output]]);
  const same =
    flipped[0] === mirror &&
    rest.length === after.length &&
    after.every((op, i) => {
      const ok = sameOp(op, rest[i]) && opInputs(op).every((t, j) => twin.get(t) === opInputs(rest[i])[j]);
      twin.set(op.output, rest[i].output);
      return ok;
    }) &&
    twin.get(last.inputs[1 - m]) === last.inputs[m];
  if (!same) throw new Error(`${unsupported}: the mirrored branch does not repeat the network's ops with the same weights`);
  return { ops: main, testTimeFlip: true };
}

type Arrays = Map<string, { shape: number[]; data: Float32Array }>;

/** Reads the main path's ops in order; each check failing is an Error naming what was expected and found. */
class Reader {
  at = 0;
  constructor(
    readonly net: Network,
    readonly ops: NetOp[],
  ) {}
  next(): NetOp | undefined {
    return this.ops[this.at++];
  }
  peek(): NetOp | undefined {
    return this.ops[this.at];
  }
  weight(name: string): Weight {
    const w = this.net.weights[name];
    if (!w) throw new Error(`the network has no weight "${name}"`);
    return w;
  }
  refuse(op: NetOp | undefined, what: string): Error {
    return new Error(`the PyTorch export expects ${what}${op ? `, found ${op.op} → "${op.output}"` : ', found the end of the network'}`);
  }
}

/** The input affine: a 1×1 depthwise convolution on the image (x·a + b per channel), or none (a = 1, b = 0). */
function inputAffine(r: Reader, arrays: Arrays): void {
  const first = r.peek();
  if (first?.op === 'depthwiseConv2d' && first.input === r.net.input.name && pointwise(first, r.net) && first.activation === 'linear') {
    r.next();
    arrays.set('input_affine.weight', { shape: [3, 1, 1, 1], data: r.weight(first.kernel).data.slice() });
    arrays.set('input_affine.bias', { shape: [3], data: r.weight(first.bias).data.slice() });
  } else {
    arrays.set('input_affine.weight', { shape: [3, 1, 1, 1], data: new Float32Array(3).fill(1) });
    arrays.set('input_affine.bias', { shape: [3], data: new Float32Array(3) });
  }
}

/** The backbone's convolutions, residual adds and pooling, checked against torchvision's at `widthMult`. */
function backbone(r: Reader, widthMult: number, arrays: Arrays): void {
  let blockInput = '';
  for (const expected of mobilenetV2Convs(widthMult)) {
    const op = r.next();
    const what = `${expected.depthwise ? 'a depthwise' : 'a'} ${expected.kernel}×${expected.kernel} convolution, stride ${expected.stride}, ${expected.in} → ${expected.out} channels, ${expected.activation} (torchvision's ${expected.name} at width ${widthMult})`;
    if (!op || op.op !== (expected.depthwise ? 'depthwiseConv2d' : 'conv2d')) throw r.refuse(op, what);
    const conv = op as ConvOp;
    const k = r.weight(conv.kernel);
    const [kh, kw, cin, cout] = k.shape;
    const fits =
      kh === expected.kernel && kw === expected.kernel && cin === expected.in && cout === (expected.depthwise ? 1 : expected.out) &&
      conv.strides[0] === expected.stride && conv.strides[1] === expected.stride && conv.activation === expected.activation &&
      (conv.padding === 'same' || expected.kernel === 1) && r.weight(conv.bias).data.length === expected.out;
    if (!fits) throw r.refuse(op, what);
    // A block starts at its first convolution: its expansion, or the depthwise of a block without one.
    if (/^features\.\d+\.conv\.0\.0$/.test(expected.name)) blockInput = conv.input;
    arrays.set(
      `${expected.name}.weight`,
      expected.depthwise ? transposed(k, [2, 3, 0, 1], [cin, 1, kh, kw]) : transposed(k, [3, 2, 0, 1], [cout, cin, kh, kw]),
    );
    arrays.set(`${expected.name}.bias`, { shape: [expected.out], data: r.weight(conv.bias).data.slice() });
    if (expected.residual) {
      const add = r.next();
      if (add?.op !== 'add' || !add.inputs.includes(blockInput) || !add.inputs.includes(conv.output)) {
        throw r.refuse(add, `the residual add of the block's input and ${expected.name}'s output`);
      }
    }
  }
  const pool = r.next();
  if (pool?.op !== 'globalAveragePool') throw r.refuse(pool, 'the global average pool after the last convolution');
}

/** The head: dense layers (ReLU between them, none after the last) → `classifier.0`, `.2`, …, then softmax. Its sizes. */
function head(r: Reader, arrays: Arrays): number[] {
  const sizes: number[] = [];
  for (let i = 0; r.peek()?.op === 'dense'; i += 2) {
    const dense = r.next() as DenseOp;
    const k = r.weight(dense.kernel);
    const [fin, fout] = k.shape;
    if (sizes.length > 0 && fin !== sizes[sizes.length - 1]) throw r.refuse(dense, `a dense layer of ${sizes[sizes.length - 1]} inputs`);
    if (sizes.length === 0) sizes.push(fin);
    if (dense.activation !== (r.peek()?.op === 'dense' ? 'relu' : 'linear')) throw r.refuse(dense, 'dense layers with ReLU between them and none after the last');
    sizes.push(fout);
    arrays.set(`classifier.${i}.weight`, transposed(k, [1, 0], [fout, fin]));
    arrays.set(`classifier.${i}.bias`, { shape: [fout], data: r.weight(dense.bias).data.slice() });
  }
  if (sizes.length === 0) throw r.refuse(r.peek(), 'a dense head after the pool');
  const softmax = r.next();
  if (softmax?.op !== 'softmax' || r.peek()) throw r.refuse(softmax ?? r.peek(), 'a softmax, last');
  const labels = r.net.preprocessing.labels.length;
  if (sizes[sizes.length - 1] !== labels) throw new Error(`the head answers ${sizes[sizes.length - 1]} classes for ${labels} labels`);
  return sizes;
}

/** The widths torchvision's mobilenet_v2 is commonly built at (TF-Hub and Keras publish these). */
const WIDTHS = [1.4, 1.0, 0.75, 0.5, 0.35, 1.3];

/**
 * The arrays of the .npz, named as the script's model names them (torchvision's where they exist), and what
 * the script builds. Throws, naming the op, when the network is not MobileNetV2 with a dense head.
 */
export function torchWeights(net: Network): { arrays: Arrays; network: TorchNetwork } {
  const { ops, testTimeFlip } = mainPath(net);
  const probe = new Reader(net, ops);
  inputAffine(probe, new Map());
  const first = probe.peek();
  const channels = first && 'kernel' in first ? net.weights[first.kernel]?.shape[3] : undefined;
  // The width whose first convolution has these channels (0.35 and 0.5 share theirs: the rest decides).
  const widths = WIDTHS.filter((w) => mobilenetV2Convs(w)[0].out === channels);
  let refused: Error | undefined;
  for (const widthMult of widths.length > 0 ? widths : [WIDTHS[0]]) {
    const r = new Reader(net, ops);
    const arrays: Arrays = new Map();
    try {
      inputAffine(r, arrays);
      backbone(r, widthMult, arrays);
      const sizes = head(r, arrays);
      return { arrays, network: { format: 'headstart-torch', version: 1, architecture: 'mobilenet_v2', widthMult, head: sizes, testTimeFlip } };
    } catch (error) {
      refused ??= error as Error;
    }
  }
  throw refused!;
}

/**
 * The export: `<name>.npy` per array, `headstart.json` and `network.json`, zipped. `level` 0 stores the
 * arrays as `numpy.savez` does; a higher level deflates them as `numpy.savez_compressed` does.
 */
export function writePytorch(net: Network, options: { level?: 0 | 1 | 6 | 9 } = {}): TorchExport {
  const { arrays, network } = torchWeights(net);
  const statement = nchwPreprocessing(net);
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2));
  const files: Record<string, Uint8Array> = { 'headstart.json': text(statement), 'network.json': text(network) };
  for (const [name, a] of arrays) files[`${name}.npy`] = npy(a.shape, a.data);
  return { npz: zipSync(files, { level: options.level ?? 0 }), statement, network };
}
