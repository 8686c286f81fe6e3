/** Helpers shared by the ML unit tests (Node, TF.js CPU backend). Not used by the app. */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { PNG } from 'pngjs';
import type { BackboneSpec } from './backbones';
import { rgbaToPixels } from './imageInput';
import type { NetOp, Network, Weight } from './net/network';

/** Loads a model folder written by scripts/prepare-models.mjs from disk. */
export function diskModel(folder: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
      const group = json.weightsManifest[0];
      const bytes = readFileSync(join(folder, group.paths[0]));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: group.weights,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
  };
}

export const TINY_SPEC: BackboneSpec = {
  id: 'tiny',
  label: 'tiny test backbone',
  kind: 'layers',
  folder: 'unused',
  cutPoint: 'cut_relu',
  inputSize: 16,
  featureDim: 8,
  preprocessVersion: 1,
};

/** A small conv net with batch norm, saved and handed back as an in-memory IOHandler (the real loading path). */
export async function tinyBackboneSource(): Promise<tf.io.IOHandler> {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'conv', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'cut_relu' }).apply(x) as tf.SymbolicTensor;
  const old = tf.layers.dense({ units: 5, name: 'old_head' }).apply(tf.layers.flatten().apply(x)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: old });
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  if (!saved) throw new Error('tiny model was not saved');
  return tf.io.fromMemory(saved);
}

/** Two clusters of random images: class 0 dark, class 1 bright. */
export function twoClassPixels(perClass: number, size: number): { pixels: tf.Tensor4D; labels: number[] } {
  return tf.tidy(() => {
    const dark = tf.randomUniform([perClass, size, size, 3], 0, 0.4, 'float32', 7);
    const bright = tf.randomUniform([perClass, size, size, 3], 0.6, 1, 'float32', 8);
    return {
      pixels: tf.concat([dark, bright]) as tf.Tensor4D,
      labels: [...new Array(perClass).fill(0), ...new Array(perClass).fill(1)],
    };
  });
}

/**
 * The real images of e2e/fixtures (64×64 Noto emoji PNGs with alpha), decoded with pngjs, composited on
 * white as the app does, and resized to size×size: [n, size, size, 3] in [0, 1], in path order.
 */
export function fixturePixels(size: number, count?: number): { pixels: tf.Tensor4D; paths: string[] } {
  const root = join(__dirname, '..', '..', 'e2e', 'fixtures');
  const paths = (readdirSync(root, { recursive: true }) as string[]).filter((p) => p.endsWith('.png')).sort().slice(0, count);
  const pixels = tf.tidy(() =>
    tf.stack(
      paths.map((p) => {
        const png = PNG.sync.read(readFileSync(join(root, p)));
        const rgb = tf.tensor3d(rgbaToPixels(png.data, png.width), [png.height, png.width, 3]);
        return tf.image.resizeBilinear(rgb, [size, size]);
      }),
    ),
  ) as tf.Tensor4D;
  return { pixels, paths };
}

type LiteRt = typeof import('@litertjs/core');
let liteRt: Promise<LiteRt> | undefined;

/**
 * LiteRT.js (Google's web runtime for .tflite: the TFLite interpreter with XNNPack, in wasm), loaded once
 * in Node from node_modules. Its loader expects a worker: it runs the wasm's JS glue with `importScripts`
 * and reads the factory from `self`, so both are lent for the load and taken back after (other wasm
 * glue, TF.js's included, takes `importScripts` as a sign of a worker). Models go in as bytes, not URLs.
 * `glue` names one build's .js instead of the folder (npm run bench -- --litert's threaded run).
 */
export function loadLiteRtNode(glue?: string): Promise<LiteRt> {
  liteRt ??= (async () => {
    const wasm = join(__dirname, '..', '..', 'node_modules', '@litertjs', 'core', 'wasm');
    const g = globalThis as Record<string, unknown>;
    const hadSelf = 'self' in g;
    g.self ??= globalThis;
    g.importScripts = (url: string) => {
      const code = readFileSync(url, 'utf8');
      const glue = runInThisContext(`(function (require, __dirname, __filename) {${code}\nreturn ModuleFactory;\n})`, { filename: url });
      g.ModuleFactory = glue(createRequire(url), dirname(url), url);
    };
    try {
      const lrt = await import('@litertjs/core');
      await lrt.loadLiteRt(glue ?? `${wasm}/`);
      return lrt;
    } finally {
      delete g.importScripts;
      if (!hadSelf) delete g.self;
    }
  })();
  return liteRt;
}

/** A seeded generator of weights in [-amp, amp]. */
export function seededUniform(seed: number) {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
  return (shape: number[], amp: number): Weight => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * amp) });
}

/**
 * A small network with every op the writer maps: an even input and stride 2 (TensorFlow's asymmetric 'same'
 * padding), a depthwise block with a residual add, pooling, two dense layers, softmax; with `flip`, the
 * mirrored pass sharing every weight and the average of both.
 */
export function tinyNetwork(flip: boolean): Network {
  const w = seededUniform(7);
  const ops: NetOp[] = [
    { op: 'conv2d', input: 'image', output: 'c1', kernel: 'c1/k', bias: 'c1/b', strides: [2, 2], padding: 'same', activation: 'relu6' },
    { op: 'depthwiseConv2d', input: 'c1', output: 'd1', kernel: 'd1/k', bias: 'd1/b', strides: [1, 1], padding: 'same', activation: 'relu6' },
    { op: 'conv2d', input: 'd1', output: 'p1', kernel: 'p1/k', bias: 'p1/b', strides: [1, 1], padding: 'valid', activation: 'linear' },
    { op: 'add', inputs: ['c1', 'p1'], output: 'r1' },
    { op: 'depthwiseConv2d', input: 'r1', output: 'd2', kernel: 'd2/k', bias: 'd2/b', strides: [2, 2], padding: 'same', activation: 'relu6' },
    { op: 'globalAveragePool', input: 'd2', output: 'pool' },
    { op: 'dense', input: 'pool', output: 'h1', kernel: 'h1/k', bias: 'h1/b', activation: 'relu' },
    { op: 'dense', input: 'h1', output: 'logits', kernel: 'h2/k', bias: 'h2/b', activation: 'linear' },
    { op: 'softmax', input: 'logits', output: 'probabilities' },
  ];
  const net: Network = {
    name: 'tiny',
    input: { name: 'image', shape: [1, 16, 16, 3] },
    output: 'probabilities',
    ops,
    weights: {
      'c1/k': w([3, 3, 3, 8], 0.5), 'c1/b': w([8], 0.2),
      'd1/k': w([3, 3, 8, 1], 0.6), 'd1/b': w([8], 0.2),
      'p1/k': w([1, 1, 8, 8], 0.5), 'p1/b': w([8], 0.1),
      'd2/k': w([3, 3, 8, 1], 0.6), 'd2/b': w([8], 0.1),
      'h1/k': w([8, 6], 0.8), 'h1/b': w([6], 0.1),
      'h2/k': w([6, 3], 1.5), 'h2/b': w([3], 0.1),
    },
    preprocessing: { layout: 'NHWC', size: 16, fit: 'cover', scale: 1 / 255, offset: 0, labels: ['cat', 'dog', 'bird'] },
  };
  if (!flip) return net;
  const rename = (n: string) => (n === 'image' ? 'image_mirrored' : `m/${n}`);
  const own = ops.map((op) => (op.output === 'probabilities' ? { ...op, output: 'p_image' } : op));
  const mirrored = ops.map((op) => ('inputs' in op ? { ...op, inputs: op.inputs.map(rename), output: rename(op.output) } : { ...op, input: rename(op.input), output: rename(op.output) }) as NetOp);
  return {
    ...net,
    ops: [{ op: 'mirror', input: 'image', output: 'image_mirrored' }, ...own, ...mirrored, { op: 'average', inputs: ['p_image', 'm/probabilities'], output: 'probabilities' }],
  };
}

/** n images of 0–255 pixels, seeded: smooth gradients with noise (an image-like range of values). */
export function patternImages(n: number, size: number, seed: number): Uint8Array<ArrayBuffer>[] {
  const w = seededUniform(seed);
  return Array.from({ length: n }, () => {
    const noise = w([size * size * 3], 40).data;
    const [a, b, c] = w([3], 1).data;
    return Uint8Array.from(noise, (v, i) => {
      const p = Math.floor(i / 3);
      const y = Math.floor(p / size);
      const x = p % size;
      const ch = i % 3;
      return Math.max(0, Math.min(255, Math.round(128 + 100 * Math.sin(a * x + b * y + c * ch) + v)));
    });
  });
}

