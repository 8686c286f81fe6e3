/// <reference lib="webworker" />
/**
 * Measurements for `npm run bench`, run inside the worker on the active backend. They use the
 * same modules as the app (backbone, cache, head loop); only the Teachable-Machine-style loop is
 * bench-only, as the baseline.
 */
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../ml/backbone';
import { createHead, trainHead } from '../ml/head';
import { DEFAULT_HEAD_SETTINGS } from '../ml/settings';
import { trainTeachableMachineStyle } from '../ml/tmBaseline';

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
};

/** Images/s of bare `embed` on pre-made input tensors (no decode, no cache), after one warm-up call. */
export async function bareThroughput(backbone: Backbone, batch: number, images: number): Promise<number> {
  const size = backbone.spec.inputSize;
  const input = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const once = async () => {
    const out = backbone.embed(input);
    await out.data();
    out.dispose();
  };
  try {
    await once();
    const calls = Math.max(1, Math.round(images / batch));
    const started = performance.now();
    for (let i = 0; i < calls; i++) await once();
    return (calls * batch) / ((performance.now() - started) / 1000);
  } finally {
    input.dispose();
  }
}

export interface HeadBench {
  /** Median ms per epoch. */
  epochMs: number;
  epochs: number;
  n: number;
}

/**
 * Ms per epoch of head training over `n` embeddings of width `dim` (random values: the content
 * does not change the work). `loop` 'ours' is the app's device-resident loop; 'tm' the baseline.
 */
export async function headEpochMs(loop: 'ours' | 'tm', n: number, dim: number, numClasses: number, epochs: number): Promise<HeadBench> {
  const settings = { ...DEFAULT_HEAD_SETTINGS, epochs, validationFraction: 0 };
  const labels = Array.from({ length: n }, (_, i) => i % numClasses);
  const features = tf.randomNormal([n, dim], 0, 1, 'float32', 2) as tf.Tensor2D;
  try {
    if (loop === 'tm') {
      const values = await features.data();
      const rows = labels.map((_, i) => values.slice(i * dim, (i + 1) * dim) as Float32Array);
      features.dispose();
      return { epochMs: median(await trainTeachableMachineStyle(rows, labels, numClasses, settings)), epochs, n };
    }
    const head = createHead(dim, numClasses, settings);
    try {
      const outcome = await trainHead({ head, features, rows: labels.map((_, i) => i), labels, numClasses, settings });
      return { epochMs: median(outcome.history.map((h) => h.ms)), epochs, n };
    } finally {
      head.dispose();
    }
  } finally {
    if (!features.isDisposed) features.dispose();
  }
}

/** Microseconds per call of the head's kernels at one training batch (`npm run bench -- --threads`: how they scale with threads). */
export interface KernelBench {
  /** The hidden layer's matMul, [16, dim] · [dim, hidden]: the head's one large kernel. */
  hiddenMatMulUs: number;
  /** The output layer's matMul, [16, hidden] · [hidden, classes]. */
  outputMatMulUs: number;
  /** The hidden layer's bias add, [16, hidden] + [hidden]. */
  biasAddUs: number;
  /** One training step of the app's head loop: an epoch's time (forward, gradients, Adam, the shuffle, the loss read back) over its steps. */
  stepUs: number;
}

/** Times each kernel over `calls` calls after a warm-up; wasm kernels run synchronously, so the loop times the work. */
export async function kernelUs(dim: number, hidden: number, classes: number, calls = 500): Promise<KernelBench> {
  const [x, w1, h, w2, b] = [[16, dim], [dim, hidden], [16, hidden], [hidden, classes], [hidden]].map((shape, i) => tf.randomNormal(shape, 0, 1, 'float32', i + 1));
  const time = (kernel: () => tf.Tensor) => {
    for (let i = 0; i < 20; i++) kernel().dispose();
    const started = performance.now();
    for (let i = 0; i < calls; i++) kernel().dispose();
    return ((performance.now() - started) * 1000) / calls;
  };
  try {
    const hiddenMatMulUs = time(() => tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D));
    const outputMatMulUs = time(() => tf.matMul(h as tf.Tensor2D, w2 as tf.Tensor2D));
    const biasAddUs = time(() => tf.add(h, b));
    const n = 640;
    const { epochMs } = await headEpochMs('ours', n, dim, classes, 5);
    return { hiddenMatMulUs, outputMatMulUs, biasAddUs, stepUs: (epochMs * 1000) / Math.ceil(n / DEFAULT_HEAD_SETTINGS.batchSize) };
  } finally {
    tf.dispose([x, w1, h, w2, b]);
  }
}
