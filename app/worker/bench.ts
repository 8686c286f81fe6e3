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

export interface FineTuneBench {
  /** Ms per training step on cached cut-point activations (only the layers after the cut run). */
  cachedMs: number;
  /** Ms per training step running the whole backbone on the images. */
  fullMs: number;
  cut: string;
  trainableParams: number;
  batch: number;
}

/**
 * Fine-tuning step time on the Keras MobileNetV2: the layers after `cut` and a new Dense head train.
 * Run once with the full backbone per step, and once on activations cached at the cut, with a
 * tail model rebuilt from the cut's output (same layer objects, so the same weights).
 */
export async function fineTuneSteps(modelUrl: string | tf.io.IOHandler, cut: string, batch: number, steps: number): Promise<FineTuneBench> {
  // Checked up front: a gradient that fails half-way leaves the tape's saved tensors behind.
  const missing = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter'].filter((k) => !tf.getKernel(k, tf.getBackend()));
  if (missing.length > 0) throw new Error(`the ${tf.getBackend()} backend has no ${missing.join(' or ')} kernel, which training convolutions needs`);
  const model = await tf.loadLayersModel(modelUrl);
  const cutIndex = model.layers.findIndex((l) => l.name === cut);
  if (cutIndex < 0) throw new Error(`no layer ${cut}`);
  const tail = model.layers.slice(cutIndex + 1);
  tail.forEach((l) => (l.trainable = true));
  const head = tf.layers.dense({ units: 5, activation: 'softmax', name: 'bench_head' });
  const pool = tf.layers.globalAveragePooling2d({ name: 'bench_pool' });
  const full = tf.model({ inputs: model.inputs, outputs: head.apply(pool.apply(model.outputs[0])) as tf.SymbolicTensor });
  // Rebuild the layers after the cut on a new input shaped like the cut's output.
  const cutOutput = model.getLayer(cut).getOutputAt(0) as tf.SymbolicTensor;
  const tailInput = tf.input({ shape: cutOutput.shape.slice(1) as number[] });
  const mapped = new Map<string, tf.SymbolicTensor>([[cut, tailInput]]);
  for (const layer of tail) {
    const inputs = layer.inboundNodes[0].inboundLayers.map((l) => {
      const t = mapped.get(l.name);
      if (!t) throw new Error(`${layer.name} reads ${l.name}, before the cut`);
      return t;
    });
    mapped.set(layer.name, layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor);
  }
  const last = mapped.get(model.layers[model.layers.length - 1].name) as tf.SymbolicTensor;
  const tailModel = tf.model({ inputs: tailInput, outputs: head.apply(pool.apply(last)) as tf.SymbolicTensor });
  const toCut = tf.model({ inputs: model.inputs, outputs: cutOutput });
  const allVariables = full.weights.map((w) => w.read());
  const vars = [...tail.flatMap((l) => l.trainableWeights), ...head.trainableWeights].map((w) => w.read() as tf.Variable);
  const images = tf.randomUniform([batch, 224, 224, 3], 0, 1, 'float32', 3);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 5), 'int32'), 5));
  const cached = toCut.predict(images) as tf.Tensor;
  const optimizer = tf.train.adam(1e-4);
  const time = async (net: tf.LayersModel, x: tf.Tensor) => {
    const step = async () => {
      const loss = optimizer.minimize(() => tf.metrics.categoricalCrossentropy(labels, net.apply(x) as tf.Tensor).mean() as tf.Scalar, true, vars);
      await loss?.data();
      loss?.dispose();
    };
    await step(); // compile / warm up
    const started = performance.now();
    for (let i = 0; i < steps; i++) await step();
    return (performance.now() - started) / steps;
  };
  try {
    const cachedMs = await time(tailModel, cached);
    const fullMs = await time(full, images);
    return { cachedMs, fullMs, cut, trainableParams: vars.reduce((n, v) => n + v.size, 0), batch };
  } finally {
    optimizer.dispose();
    tf.dispose([images, labels, cached]);
    // The four models share layers, and disposing one frees layers the others still count on
    // ("already disposed"), so the variables themselves are freed, once each.
    tf.dispose(allVariables);
  }
}
