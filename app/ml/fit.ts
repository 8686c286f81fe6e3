import * as tf from '@tensorflow/tfjs';
import { answerRows, createHead, trainHead, type EpochReport, type TrainOptions, type TrainOutcome } from './head';
import type { HeadSettings } from './settings';

/** Rows (of `plain`) to learn from with their class indices, the settings and the callbacks: as trainHead takes them. */
export interface FitOptions extends Pick<TrainOptions, 'rows' | 'labels' | 'numClasses' | 'settings' | 'onEpoch' | 'shouldStop' | 'yieldToEvents'> {
  /** Each image's embedding, row r of the cache ([n, dim]); with `mirrored`, the same images mirrored. */
  plain: tf.Tensor2D;
  mirrored?: tf.Tensor2D;
  /** Augmented views ([rows, dim]) and, for a row of `plain`, the rows of `augmented` that show its image. */
  augmented?: { matrix: tf.Tensor2D; rowsOf: (row: number) => readonly number[] };
}

export interface FitResult {
  /** The head to keep (the refit on every image when there was one). */
  head: tf.LayersModel;
  /** The measuring run (its history, held-out positions, optimizer). */
  outcome: TrainOutcome;
  refit: boolean;
  /** Where the answers below come from: the held-out images, or the training images when none were held out. */
  scope: 'validation' | 'training';
  /** Positions (into `rows`) that were answered, and the measuring head's answer and confidence for each. */
  positions: number[];
  answers: { predicted: number[]; confidence: number[] };
  /** Whether the kept head is meant to predict from each image and its mirror (testTimeFlip, with mirrors given). */
  testTimeFlip: boolean;
}

/**
 * The matrix a head trains on and each row's other views: the mirrored rows, then the augmented ones,
 * follow the plain ones (for one training only: the caller disposes `features` when it is not `plain`).
 */
export function trainingViews(
  plain: tf.Tensor2D,
  mirrored: tf.Tensor2D | undefined,
  augmented: FitOptions['augmented'],
  rows: readonly number[],
): { features: tf.Tensor2D; views: number[][] | undefined } {
  const size = plain.shape[0];
  const parts = [plain, ...(mirrored ? [mirrored] : []), ...(augmented ? [augmented.matrix] : [])];
  if (parts.length === 1) return { features: plain, views: undefined };
  const augmentedStart = mirrored ? 2 * size : size;
  return {
    features: tf.concat(parts) as tf.Tensor2D,
    views: rows.map((r) => [...(mirrored ? [size + r] : []), ...(augmented ? augmented.rowsOf(r).map((a) => augmentedStart + a) : [])]),
  };
}

/**
 * How the app trains a head (worker/training.ts; scripts/head-experiments.ts runs the same): a head
 * trained with a share of each class held out, measured on it, then, with `refitOnAll`, a new head
 * trained on every image for as many epochs (after early stopping: as many as the best held-out loss
 * took). With `mirrorAugment` each image's mirror is its second view (drawn instead of it about half
 * the epochs); with `testTimeFlip` the answers average the image and its mirror.
 */
export async function fitHead(options: FitOptions): Promise<FitResult> {
  const { plain, mirrored, augmented, rows, labels, numClasses, settings } = options;
  const mirror = settings.mirrorAugment && mirrored !== undefined;
  const flip = settings.testTimeFlip && mirrored !== undefined;
  const { features, views } = trainingViews(plain, mirror ? mirrored : undefined, augmented, rows);
  const run = async (runSettings: HeadSettings, phase: EpochReport['phase'], epochLimit?: number) => {
    const head = createHead(plain.shape[1], numClasses, runSettings);
    try {
      const { onEpoch, shouldStop, yieldToEvents } = options;
      const outcome = await trainHead({ head, features, rows, labels, numClasses, views, epochLimit, settings: runSettings, phase, onEpoch, shouldStop, yieldToEvents });
      return { head, outcome };
    } catch (error) {
      head.dispose();
      throw error;
    }
  };
  try {
    const measured = await run(settings, 'measure');
    const { outcome } = measured;
    const scope = outcome.validation.length > 0 ? 'validation' : 'training';
    const positions = scope === 'validation' ? outcome.validation : rows.map((_, i) => i);
    let answers: FitResult['answers'];
    try {
      answers = await answerRows(measured.head, plain, positions.map((p) => rows[p]), flip ? mirrored : undefined);
    } catch (error) {
      measured.head.dispose();
      throw error;
    }
    let head = measured.head;
    let refit = false;
    if (settings.refitOnAll && scope === 'validation' && !outcome.stopped) {
      const limit = settings.earlyStoppingPatience > 0 ? outcome.bestEpoch : undefined;
      const final = await run({ ...settings, validationFraction: 0 }, 'final', limit).catch((error: unknown) => {
        measured.head.dispose();
        throw error;
      });
      if (final.outcome.stopped) final.head.dispose();
      else {
        measured.head.dispose();
        head = final.head;
        refit = true;
      }
    }
    return { head, outcome, refit, scope, positions, answers, testTimeFlip: flip };
  } finally {
    if (features !== plain) features.dispose();
  }
}
