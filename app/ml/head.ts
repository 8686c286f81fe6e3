import * as tf from '@tensorflow/tfjs';
import { argmaxRows } from './metrics';
import { Adam, denseParams, headGradients, takeRows } from './headStep';
import { seededRandom, shuffled, stratifiedSplit } from './random';
import { BestWeights, learningRateSchedule } from './schedule';
import type { HeadSettings } from './settings';

export { DEFAULT_HEAD_SETTINGS, type HeadSettings } from './settings';

export interface EpochReport {
  /**
   * 'measure': training with images held out; 'final': the refit on every image; 'adapt' and
   * 'adapt-final': the same two runs for the adapted blocks + head (their accuracy is NaN: not measured per epoch);
   * 'mirrors': likewise, computing the mirrors still owed (worker/mirrors.ts);
   * 'views': not an epoch but progress preparing augmented views (epoch = images done of `epochs` images; loss NaN);
   * 'cuts': the same for the activations at the cut before blocks adapt.
   */
  phase: 'measure' | 'final' | 'adapt' | 'adapt-final' | 'mirrors' | 'views' | 'cuts';
  /** Blocks adapting (the 'adapt' phases only). */
  blocks?: number;
  /**
   * Adapting only (app/worker/fineTuning.ts): before its first pass (epoch 0), the estimate from one measured
   * step; after each pass, the time the rest of the adapting should take, from the passes' measured times.
   */
  estimate?: { stepMs: number; steps: number; ms: number };
  msLeft?: number;
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  ms: number;
}

/** A new, randomly initialised classifier head sized to the user's classes. */
export function createHead(inputDim: number, numClasses: number, settings: HeadSettings): tf.Sequential {
  if (numClasses < 2) throw new Error('training needs at least two classes with images');
  const head = tf.sequential({ name: 'headstart_head' });
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: settings.seed + offset });
  if (settings.hiddenUnits > 0) {
    head.add(
      tf.layers.dense({ inputShape: [inputDim], units: settings.hiddenUnits, activation: 'relu', kernelInitializer: init(0), name: 'hidden' }),
    );
    if (settings.dropout > 0) head.add(tf.layers.dropout({ rate: settings.dropout, seed: settings.seed, name: 'dropout' }));
  }
  head.add(
    tf.layers.dense({
      ...(settings.hiddenUnits > 0 ? {} : { inputShape: [inputDim] }),
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: init(1),
      name: 'classes',
    }),
  );
  return head;
}

/** Per-class loss weights n / (k · count), as scikit-learn's "balanced"; 1 for a class with no examples. */
export function balancedClassWeights(labels: readonly number[], numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  labels.forEach((l) => counts[l]++);
  return counts.map((c) => (c === 0 ? 1 : labels.length / (numClasses * c)));
}

/** The exact variables handed to the optimizer: the head's trainable weights and nothing else. */
export function trainableVariables(head: tf.LayersModel): tf.Variable[] {
  return head.trainableWeights.map((w) => w.read() as tf.Variable);
}

export interface TrainOptions {
  head: tf.LayersModel;
  /** The embedding matrix (kept on the backend; only indices are uploaded per epoch). */
  features: tf.Tensor2D;
  /** Rows of `features` to learn from, and the class index of each. */
  rows: readonly number[];
  labels: readonly number[];
  numClasses: number;
  settings: HeadSettings;
  onEpoch?: (report: EpochReport) => void;
  shouldStop?: () => boolean;
  phase?: EpochReport['phase'];
  /**
   * Other cached views of each example (e.g. its mirror): `views[p]` are rows of `features` showing
   * the image of position p. Each epoch trains on one of the example's rows, drawn at random.
   */
  views?: readonly (readonly number[])[];
  /** Run at most this many epochs of the `settings.epochs` schedule (the refit after early stopping). */
  epochLimit?: number;
  /** Awaited after every batch so a Stop request can be heard; defaults to no wait. */
  yieldToEvents?: () => Promise<void>;
}

export interface TrainOutcome {
  epochsRun: number;
  stopped: boolean;
  history: EpochReport[];
  /** Epochs whose weights the head holds: the best held-out loss's with early stopping, else the last. */
  bestEpoch: number;
  /** Positions (into `rows`) of the held-out validation examples, empty when none. */
  validation: number[];
  optimizer: { name: string; variables: number; bytes: number; varList: string[] };
}

export async function trainHead(options: TrainOptions): Promise<TrainOutcome> {
  const { head, features, rows, labels, numClasses, settings } = options;
  const random = seededRandom(settings.seed);
  const split = stratifiedSplit(labels, settings.validationFraction, random);
  const pick = (positions: number[]) =>
    tf.tidy(() => ({
      rows: tf.tensor1d(positions.map((p) => rows[p]), 'int32'),
      onehot: tf.oneHot(tf.tensor1d(positions.map((p) => labels[p]), 'int32'), numClasses) as tf.Tensor2D,
    }));
  const validation = split.validation.length > 0 ? pick(split.validation) : null;
  const weights = settings.balanceClasses ? balancedClassWeights(split.train.map((p) => labels[p]), numClasses) : new Array<number>(numClasses).fill(1);
  const classWeights = tf.tensor1d(weights);
  const params = denseParams(head);
  const varList = trainableVariables(head);
  const optimizer = new Adam(varList, settings.learningRate);
  const stepsPerEpoch = Math.ceil(split.train.length / settings.batchSize);
  const rateAt = learningRateSchedule(settings, stepsPerEpoch);
  const best = new BestWeights(varList, validation !== null ? settings.earlyStoppingPatience : 0);
  const epochs = Math.min(settings.epochs, options.epochLimit ?? settings.epochs);
  const views = options.views;
  const history: EpochReport[] = [];
  let stopped = false;
  let step = 0;
  try {
    for (let epoch = 0; epoch < epochs && !stopped && !best.done(); epoch++) {
      const started = performance.now();
      const order = shuffled(split.train, random);
      // Each example's row for this epoch: itself, or one of its other views.
      const pickRow = (p: number) => {
        const other = views?.[p] ?? [];
        const v = other.length > 0 ? Math.floor(random() * (other.length + 1)) : 0;
        return v === 0 ? rows[p] : other[v - 1];
      };
      // The epoch's order goes up once (indices only: the embeddings never leave the device).
      const epochData = tf.tidy(() => ({
        rows: tf.tensor1d(order.map(pickRow), 'int32'),
        labels: tf.tensor1d(order.map((p) => labels[p]), 'int32'),
      }));
      // Running sums of loss and correct predictions over the epoch's batches, kept on the device
      // (as Keras reports them): no extra pass over the training set, one read per epoch.
      let lossSum: tf.Tensor = tf.scalar(0);
      let correct: tf.Tensor = tf.scalar(0);
      let summary: tf.Tensor | null = null;
      let values: Float32Array | Int32Array | Uint8Array;
      let seen = 0;
      // The epoch's tensors are freed however it ends, a step that throws included.
      try {
        for (let start = 0; start < order.length; start += settings.batchSize) {
          const size = Math.min(settings.batchSize, order.length - start);
          const next = tf.tidy(() => {
            const batchLabels = epochData.labels.slice(start, size);
            const result = headGradients(params, {
              xs: takeRows(features, epochData.rows.slice(start, size)),
              labels: batchLabels,
              weights: tf.gather(classWeights, batchLabels),
              numClasses,
              labelSmoothing: settings.labelSmoothing,
              dropout: settings.dropout,
              // Drawn only with dropout, so the shuffles do not depend on the setting otherwise.
              seed: settings.dropout > 0 ? Math.floor(random() * 2 ** 31) : 0,
            });
            optimizer.apply(result.grads, rateAt(step));
            return [lossSum.add(result.lossSum), correct.add(result.correct)];
          });
          tf.dispose([lossSum, correct]);
          [lossSum, correct] = next;
          seen += size;
          step++;
          if (options.yieldToEvents) await options.yieldToEvents();
          if (options.shouldStop?.()) {
            stopped = true;
            break;
          }
        }
        const sums = [lossSum, correct];
        summary = tf.tidy(() => {
          const parts = [tf.stack(sums).div(Math.max(seen, 1))];
          if (validation) {
            const probs = head.apply(tf.gather(features, validation.rows)) as tf.Tensor2D;
            parts.push(tf.stack([tf.metrics.categoricalCrossentropy(validation.onehot, probs).mean(), tf.metrics.categoricalAccuracy(validation.onehot, probs).mean()]));
          }
          return tf.concat(parts);
        });
        values = await summary.data();
      } finally {
        tf.dispose([epochData.rows, epochData.labels, lossSum, correct]);
        summary?.dispose();
      }
      const report: EpochReport = {
        phase: options.phase ?? 'measure',
        epoch: epoch + 1,
        epochs: settings.epochs,
        loss: values[0],
        accuracy: values[1],
        valLoss: validation ? values[2] : null,
        valAccuracy: validation ? values[3] : null,
        ms: performance.now() - started,
      };
      history.push(report);
      options.onEpoch?.(report);
      if (!stopped) best.observe(epoch + 1, report.valLoss);
    }
    const bestEpoch = best.restore() ?? history.length;
    return {
      epochsRun: history.length,
      stopped,
      bestEpoch,
      history,
      validation: split.validation,
      optimizer: {
        name: 'Adam',
        ...optimizer.state,
        varList: varList.map((v) => v.name),
      },
    };
  } finally {
    best.dispose();
    optimizer.dispose();
    classWeights.dispose();
    if (validation) tf.dispose([validation.rows, validation.onehot]);
  }
}

/**
 * Class probabilities [n, numClasses] for embeddings [n, dim]; given the embeddings of the same images
 * mirrored, the average of both predictions (test-time flip).
 */
export function predictHead(head: tf.LayersModel, features: tf.Tensor2D, mirrored?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const probs = head.predict(features) as tf.Tensor2D;
    return mirrored ? (probs.add(head.predict(mirrored) as tf.Tensor2D).div(2) as tf.Tensor2D) : probs;
  });
}

/**
 * Each given row's predicted class index and the probability the head gave it, read back
 * asynchronously (safe on webgpu); given the mirrored images' matrix (row for row), from both views'
 * average (test-time flip).
 */
export async function answerRows(head: tf.LayersModel, features: tf.Tensor2D, rows: readonly number[], mirrored?: tf.Tensor2D): Promise<{ predicted: number[]; confidence: number[] }> {
  if (rows.length === 0) return { predicted: [], confidence: [] };
  const probs = tf.tidy(() => {
    const index = tf.tensor1d(rows as number[], 'int32');
    return predictHead(head, tf.gather(features, index), mirrored ? tf.gather(mirrored, index) : undefined);
  });
  const classes = probs.shape[1];
  const values = await probs.data();
  probs.dispose();
  const predicted = argmaxRows(values, classes);
  return { predicted, confidence: predicted.map((c, r) => values[r * classes + c]) };
}

/** Predicted class index of each given row (see answerRows). */
export async function predictRows(head: tf.LayersModel, features: tf.Tensor2D, rows: readonly number[], mirrored?: tf.Tensor2D): Promise<number[]> {
  return (await answerRows(head, features, rows, mirrored)).predicted;
}
