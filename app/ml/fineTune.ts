import * as tf from '@tensorflow/tfjs';
import { blocksForward, type AdaptedBlocks } from './blocks';
import { balancedClassWeights } from './head';
import { Adam, denseParams, takeRows, type DenseParams } from './headStep';
import { seededRandom, shuffled } from './random';
import { BestWeights, learningRateSchedule } from './schedule';
import type { FineTuneSettings } from './fineTuneSettings';

export { DEFAULT_FINE_TUNE_SETTINGS, type FineTuneSettings } from './fineTuneSettings';

/**
 * Fine-tuning: the adapted blocks and the head learn together from cached cut-point activations,
 * so a step runs only the adapted blocks and the head, never the frozen part of the backbone.
 * Only the adapted blocks' and the head's variables reach an optimizer (one Adam for the head, one per
 * adapted block at a lower rate, decaying with depth); every other backbone weight is out of reach by
 * construction. The recipe (FineTuneSettings): warm-up then constant or cosine rates, layer-wise rate
 * decay, L2-SP toward the pre-trained weights, early stopping on held-out images with the best epoch kept.
 */

export interface FineTuner {
  /** The variables the optimizers hold: the adapted blocks' then the head's, nothing else. */
  readonly varList: tf.Variable[];
  /**
   * One step on a batch of flattened cut-point rows, every rate × `rateScale` (the schedule's factor);
   * returns the batch's summed loss (on the device; without the L2-SP term).
   */
  step(cut: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Tensor1D, rateScale?: number): tf.Scalar;
  /** How many of `rows` of `cut` the adapted blocks + head classify as `labels` (plain rows, no flip). */
  correct(cut: tf.Tensor2D, rows: readonly number[], labels: readonly number[]): Promise<number>;
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

/** The adapted variables by depth from the top: [0] the last block and Conv_1, [i] the block i above it. */
function depthGroups(adapted: AdaptedBlocks): tf.Variable[][] {
  const perBlock = adapted.blocks.map((b) => [b.expand.kernel, b.expand.bias, b.depthwise.kernel, b.depthwise.bias, b.project.kernel, b.project.bias]);
  perBlock.reverse();
  perBlock[0] = [...perBlock[0], adapted.top.kernel, adapted.top.bias];
  return perBlock;
}

export function createFineTuner(adapted: AdaptedBlocks, head: tf.LayersModel, numClasses: number, settings: FineTuneSettings): FineTuner {
  const params = denseParams(head);
  const headVars = params.flatMap((p) => [p.kernel, p.bias]);
  const blockRate = settings.learningRate * settings.backboneRateFactor;
  const backbone = depthGroups(adapted).map((vars, i) => ({ adam: new Adam(vars, blockRate * settings.layerRateDecay ** i), rate: blockRate * settings.layerRateDecay ** i }));
  const top = new Adam(headVars, settings.learningRate);
  const varList = [...adapted.variables, ...headVars];
  // L2-SP's anchor: the pre-trained values, copied once (not trainable, freed with the tuner).
  const anchor = settings.l2sp > 0 ? new Map(adapted.variables.map((v) => [v.name, v.clone()])) : null;
  const optimizers = [...backbone.map((b) => b.adam), top];
  return {
    varList,
    step(cut, labels, weights, rateScale = 1) {
      return tf.tidy(() => {
        const n = cut.shape[0];
        const { value, grads } = tf.variableGrads(() => {
          const logp = tf.logSoftmax(headLogits(params, blocksForward(adapted, cut)));
          let ys = tf.oneHot(labels, numClasses).cast('float32');
          if (settings.labelSmoothing > 0) ys = ys.mul(1 - settings.labelSmoothing).add(settings.labelSmoothing / numClasses);
          return ys.mul(logp).mul(weights.reshape([n, 1])).sum().neg().div(n) as tf.Scalar;
        }, varList);
        // L2-SP: the gradient of α/2·‖w − w0‖² is α(w − w0), added to each adapted variable's.
        const named = Object.entries(grads).map(([name, tensor]) => {
          const w0 = anchor?.get(name);
          return { name, tensor: w0 ? tensor.add(varList.find((v) => v.name === name)!.sub(w0).mul(settings.l2sp)) : tensor };
        });
        backbone.forEach((b) => b.adam.apply(named, b.rate * rateScale));
        top.apply(named, settings.learningRate * rateScale);
        return value.mul(n) as tf.Scalar;
      });
    },
    async correct(cut, rows, labels) {
      let right = 0;
      for (let start = 0; start < rows.length; start += 16) {
        const part = rows.slice(start, start + 16);
        const hits = tf.tidy(() => {
          const logits = headLogits(params, blocksForward(adapted, takeRows(cut, tf.tensor1d(part, 'int32'))));
          return logits.argMax(1).equal(tf.tensor1d(labels.slice(start, start + 16), 'int32')).sum();
        });
        right += (await hits.data())[0];
        hits.dispose();
      }
      return right;
    },
    get state() {
      return optimizers.reduce((sum, o) => ({ variables: sum.variables + o.state.variables, bytes: sum.bytes + o.state.bytes }), { variables: 0, bytes: 0 });
    },
    dispose() {
      optimizers.forEach((o) => o.dispose());
      if (anchor) tf.dispose([...anchor.values()]);
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
  /**
   * Held-out images (rows of `cut`, plain views) and their labels: after each epoch their accuracy is
   * measured; the best epoch's weights (blocks and head; a tie keeps the earlier) are put back at the
   * end, and training stops after `settings.patience` epochs without a better one.
   */
  validation?: { rows: readonly number[]; labels: readonly number[] };
  onEpoch?: (epoch: number, loss: number, ms: number) => void;
  shouldStop?: () => boolean;
  yieldToEvents?: () => Promise<void>;
}

export interface FineTuneOutcome {
  epochsRun: number;
  stopped: boolean;
  losses: number[];
  /** The epoch whose weights were kept (1-based): the best held-out one, or epochsRun without validation. */
  bestEpoch: number;
  /** Held-out accuracy after each epoch (empty without validation). */
  validationAccuracy: number[];
  optimizer: { name: string; variables: number; bytes: number; varList: string[] };
}

export async function fineTune(options: FineTuneOptions): Promise<FineTuneOutcome> {
  const { cut, rows, labels, numClasses, settings } = options;
  const random = seededRandom(settings.seed + 7919);
  const positions = rows.map((_, p) => p);
  const classWeights = tf.tensor1d(settings.balanceClasses ? balancedClassWeights(labels, numClasses) : new Array<number>(numClasses).fill(1));
  const tuner = createFineTuner(options.adapted, options.head, numClasses, settings);
  const validation = options.validation && options.validation.rows.length > 0 ? options.validation : null;
  if (validation && validation.rows.length !== validation.labels.length) throw new Error(`${validation.rows.length} held-out rows for ${validation.labels.length} labels`);
  // Best held-out accuracy as BestWeights' lowest "loss" (−accuracy); patience 0 = keep the best, never stop early.
  const best = new BestWeights(tuner.varList, validation ? (settings.patience > 0 ? settings.patience : Infinity) : 0);
  const rateScale = learningRateSchedule({ learningRate: 1, learningRateSchedule: settings.learningRateSchedule, epochs: settings.epochs }, Math.ceil(rows.length / settings.batchSize), settings.warmupFraction);
  const losses: number[] = [];
  const validationAccuracy: number[] = [];
  let stopped = false;
  let step = 0;
  try {
    for (let epoch = 0; epoch < settings.epochs && !stopped && !best.done(); epoch++) {
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
        const scale = rateScale(step++);
        const next = tf.tidy(() => {
          const batchLabels = epochLabels.slice(start, size);
          const loss = tuner.step(takeRows(cut, epochRows.slice(start, size)), batchLabels, tf.gather(classWeights, batchLabels), scale);
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
      if (validation && !stopped) {
        const accuracy = (await tuner.correct(cut, validation.rows, validation.labels)) / validation.rows.length;
        validationAccuracy.push(accuracy);
        best.observe(epoch + 1, -accuracy);
      }
      options.onEpoch?.(epoch + 1, loss, performance.now() - started);
    }
    const bestEpoch = best.restore() ?? losses.length;
    return { epochsRun: losses.length, stopped, losses, bestEpoch, validationAccuracy, optimizer: { name: 'Adam', ...tuner.state, varList: tuner.varList.map((v) => v.name) } };
  } finally {
    best.dispose();
    tuner.dispose();
    classWeights.dispose();
  }
}
