import * as tf from '@tensorflow/tfjs';
import type { HeadSettings } from './settings';

/**
 * The learning rate of each optimizer step (0-based): constant, or cosine decay from `learningRate` to 0
 * over all the steps of `settings.epochs` epochs (Loshchilov & Hutter's SGDR without restarts). With a
 * warm-up, the first `warmupFraction` of those steps ramp linearly up to `learningRate` (step s of W at
 * (s + 1) / W of it), and the constant or cosine part runs over the steps after them.
 */
export function learningRateSchedule(
  settings: Pick<HeadSettings, 'learningRate' | 'learningRateSchedule' | 'epochs'>,
  stepsPerEpoch: number,
  warmupFraction = 0,
): (step: number) => number {
  const base = settings.learningRate;
  const total = Math.max(1, settings.epochs * stepsPerEpoch);
  const warmup = Math.min(total - 1, Math.round(Math.max(0, warmupFraction) * total));
  const rest = total - warmup;
  return (step) => {
    if (step < warmup) return (base * (step + 1)) / warmup;
    if (settings.learningRateSchedule === 'constant') return base;
    return 0.5 * base * (1 + Math.cos((Math.PI * Math.min(step - warmup, rest)) / rest));
  };
}

/**
 * Early stopping on the held-out loss: keeps a copy of the variables at the epoch with the lowest
 * loss, says when `patience` epochs have passed without a new best, and puts the best weights back.
 * With patience 0 it does nothing (and holds nothing).
 */
export class BestWeights {
  private loss = Infinity;
  private epoch: number | null = null;
  private last = 0;
  private copy: tf.Tensor[] | null = null;

  constructor(
    private readonly variables: readonly tf.Variable[],
    readonly patience: number,
  ) {}

  /** Records the loss after `epoch` (1-based); copies the weights when it is the best so far. */
  observe(epoch: number, loss: number | null): void {
    this.last = epoch;
    if (this.patience <= 0 || loss === null || !(loss < this.loss)) return;
    this.loss = loss;
    this.epoch = epoch;
    if (this.copy) tf.dispose(this.copy);
    this.copy = this.variables.map((v) => v.clone());
  }

  /** True once `patience` epochs have gone by since the best one. */
  done(): boolean {
    return this.patience > 0 && this.epoch !== null && this.last - this.epoch >= this.patience;
  }

  /** Puts the best epoch's weights back and returns that epoch; null when nothing was kept. */
  restore(): number | null {
    if (!this.copy || this.epoch === null) return null;
    this.copy.forEach((t, i) => this.variables[i].assign(t));
    return this.epoch;
  }

  dispose(): void {
    if (this.copy) tf.dispose(this.copy);
    this.copy = null;
  }
}
