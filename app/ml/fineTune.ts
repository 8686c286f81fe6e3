import * as tf from '@tensorflow/tfjs';
import { blocksForward, type AdaptedBlocks } from './blocks';
import { balancedClassWeights } from './head';
import { Adam, denseParams, takeRows, type DenseParams } from './headStep';
import { seededRandom, shuffled } from './random';
import type { FineTuneSettings } from './fineTuneSettings';

export { DEFAULT_FINE_TUNE_SETTINGS, type FineTuneSettings } from './fineTuneSettings';

/**
 * Fine-tuning: the adapted blocks and the head learn together from cached cut-point activations,
 * so a step runs only the adapted blocks and the head, never the frozen part of the backbone.
 * Only the adapted blocks' and the head's variables reach an optimizer (two Adams: the blocks'
 * at a lower learning rate); every other backbone weight is out of reach by construction.
 */

export interface FineTuner {
  /** The variables the optimizers hold: the adapted blocks' then the head's, nothing else. */
  readonly varList: tf.Variable[];
  /** One step on a batch of flattened cut-point rows; returns the batch's summed loss (on the device). */
  step(cut: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar;
  /** The optimizers' state: Adam's two moments per trainable parameter. */
  readonly state: { variables: number; bytes: number };
  dispose(): void;
}

function headLogits(params: DenseParams[], x: tf.Tensor2D): tf.Tensor2D {
  return params.reduce((a, p) => {
    const z = tf.matMul(a, p.kernel as tf.Tensor2D).add(p.bias) as tf.Tensor2D;
    return p.relu ? tf.relu(z) : z;
  }, x);
}

export function createFineTuner(adapted: AdaptedBlocks, head: tf.LayersModel, numClasses: number, settings: FineTuneSettings): FineTuner {
  const params = denseParams(head);
  const headVars = params.flatMap((p) => [p.kernel, p.bias]);
  const backbone = new Adam(adapted.variables, settings.learningRate * settings.backboneRateFactor);
  const top = new Adam(headVars, settings.learningRate);
  const varList = [...adapted.variables, ...headVars];
  return {
    varList,
    step(cut, labels, weights) {
      return tf.tidy(() => {
        const n = cut.shape[0];
        const { value, grads } = tf.variableGrads(() => {
          const logp = tf.logSoftmax(headLogits(params, blocksForward(adapted, cut)));
          let ys = tf.oneHot(labels, numClasses).cast('float32');
          if (settings.labelSmoothing > 0) ys = ys.mul(1 - settings.labelSmoothing).add(settings.labelSmoothing / numClasses);
          return ys.mul(logp).mul(weights.reshape([n, 1])).sum().neg().div(n) as tf.Scalar;
        }, varList);
        const named = Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
        backbone.apply(named);
        top.apply(named);
        return value.mul(n) as tf.Scalar;
      });
    },
    get state() {
      return { variables: backbone.state.variables + top.state.variables, bytes: backbone.state.bytes + top.state.bytes };
    },
    dispose() {
      backbone.dispose();
      top.dispose();
    },
  };
}

export interface FineTuneOptions {
  adapted: AdaptedBlocks;
  head: tf.LayersModel;
  /** Cached cut-point activations, one flattened row per image view. */
  cut: tf.Tensor2D;
  rows: readonly number[];
  labels: readonly number[];
  numClasses: number;
  settings: FineTuneSettings;
  /** Other cached views of example p (rows of `cut`), one drawn per epoch, as head training does. */
  views?: readonly (readonly number[])[];
  onEpoch?: (epoch: number, loss: number, ms: number) => void;
  shouldStop?: () => boolean;
  yieldToEvents?: () => Promise<void>;
}

export interface FineTuneOutcome {
  epochsRun: number;
  stopped: boolean;
  losses: number[];
  optimizer: { name: string; variables: number; bytes: number; varList: string[] };
}

export async function fineTune(options: FineTuneOptions): Promise<FineTuneOutcome> {
  const { cut, rows, labels, numClasses, settings } = options;
  const random = seededRandom(settings.seed + 7919);
  const positions = rows.map((_, p) => p);
  const classWeights = tf.tensor1d(settings.balanceClasses ? balancedClassWeights(labels, numClasses) : new Array<number>(numClasses).fill(1));
  const tuner = createFineTuner(options.adapted, options.head, numClasses, settings);
  const losses: number[] = [];
  let stopped = false;
  try {
    for (let epoch = 0; epoch < settings.epochs && !stopped; epoch++) {
      const started = performance.now();
      const order = shuffled(positions, random);
      const pickRow = (p: number) => {
        const other = options.views?.[p] ?? [];
        const v = other.length > 0 ? Math.floor(random() * (other.length + 1)) : 0;
        return v === 0 ? rows[p] : other[v - 1];
      };
      const epochRows = tf.tensor1d(order.map(pickRow), 'int32');
      const epochLabels = tf.tensor1d(order.map((p) => labels[p]), 'int32');
      let lossSum: tf.Tensor = tf.scalar(0);
      for (let start = 0; start < order.length; start += settings.batchSize) {
        const size = Math.min(settings.batchSize, order.length - start);
        const next = tf.tidy(() => {
          const batchLabels = epochLabels.slice(start, size);
          const loss = tuner.step(takeRows(cut, epochRows.slice(start, size)), batchLabels, tf.gather(classWeights, batchLabels));
          return lossSum.add(loss);
        });
        lossSum.dispose();
        lossSum = next;
        if (options.yieldToEvents) await options.yieldToEvents();
        if (options.shouldStop?.()) {
          stopped = true;
          break;
        }
      }
      tf.dispose([epochRows, epochLabels]);
      const loss = (await lossSum.data())[0] / order.length;
      lossSum.dispose();
      losses.push(loss);
      options.onEpoch?.(epoch + 1, loss, performance.now() - started);
    }
    return { epochsRun: losses.length, stopped, losses, optimizer: { name: 'Adam', ...tuner.state, varList: tuner.varList.map((v) => v.name) } };
  } finally {
    tuner.dispose();
    classWeights.dispose();
  }
}
