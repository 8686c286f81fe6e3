import * as tf from '@tensorflow/tfjs';
import { trainingViews, type FitOptions } from './fit';
import { createHead, predictHead, trainHead } from './head';
import { seededRandom, shuffled } from './random';
import type { HeadSettings } from './settings';

/**
 * "Check labels": which training images are probably labelled wrong, and which are (nearly) the same
 * image twice. Every image is scored by a head that never saw its label (k-fold, out-of-fold
 * probabilities), then ranked (rankLabelIssues; confident learning, Northcutt, Jiang & Chuang, JAIR 2021,
 * measured against simpler rules).
 */

/** Folds by default: each image is scored by a head trained on the other 80%. */
export const LABEL_CHECK_FOLDS = 5;


/**
 * Cosine similarity of two images' embeddings from which they count as the same picture, or nearly.
 * Measured (docs/label-check.md): of 305,000 pairs of different pictures in the two shared sets, the few
 * above it are one drawing reused with an arrow or new colours (0.95–0.98) and one emoji drawn almost alike
 * by two vendors (0.986). Copies with 2.5% cut from each side keep ≥ 0.93 (95% of them ≥ 0.95); blurred
 * (half resolution) or noisy copies of these drawings mostly fall below it (to 0.65 and 0.56): it finds
 * near-identical and edited copies, not every degraded one.
 */
export const DUPLICATE_COSINE = 0.95;

/**
 * Each position's fold (0…k−1): each class's images shuffled (seeded) and dealt round the folds in turn,
 * continuing where the class before stopped, so every fold holds about 1/k of every class and of the whole.
 */
export function assignFolds(labels: readonly number[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`k-fold needs at least 2 folds, not ${k}`);
  const random = seededRandom(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, p) => byClass.set(label, [...(byClass.get(label) ?? []), p]));
  const folds = new Array<number>(labels.length).fill(0);
  let next = 0;
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    for (const p of shuffled(byClass.get(label)!, random)) {
      folds[p] = next;
      next = (next + 1) % k;
    }
  }
  return folds;
}

export interface OutOfFoldOptions {
  /** Each image's embedding (cache rows), its mirror's and its augmented views, as fitHead takes them. */
  plain: tf.Tensor2D;
  mirrored?: tf.Tensor2D;
  augmented?: FitOptions['augmented'];
  /** Rows of `plain` to check, with the class index each is labelled with. */
  rows: readonly number[];
  labels: readonly number[];
  numClasses: number;
  /** The user's head settings: each fold's head is trained as the app trains one, without held-out images. */
  settings: HeadSettings;
  /** How many folds (default LABEL_CHECK_FOLDS); or `folds`, the fold of each position, to fix them. */
  k?: number;
  /**
   * Epochs per fold, when not the settings' own. The app keeps its own: 20 ranked flipped labels as well as
   * 50 on both shared sets (~270 images) in 2.5× less time, but on a 22-image project (2 batches an epoch)
   * it flagged 7 images instead of 5 for the same 3 wrong labels (docs/label-check.md).
   */
  epochs?: number;
  folds?: readonly number[];
  /** Epochs trained so far over every fold's training, of `total`. */
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
  yieldToEvents?: () => Promise<void>;
}

export interface OutOfFoldResult {
  /** [positions × numClasses], row p from the head of the fold that left position p out. */
  probabilities: Float32Array;
  folds: number[];
  stopped: boolean;
}

/**
 * Out-of-fold class probabilities: for each fold, a fresh head learns from the other folds (their images,
 * mirrors and views, as the app trains) and answers for the fold's images (with test-time flip when the
 * settings ask for it). So no image's own label ever reaches the head that scores it.
 */
export async function outOfFoldProbabilities(options: OutOfFoldOptions): Promise<OutOfFoldResult> {
  const { plain, rows, labels, numClasses, settings } = options;
  const k = options.k ?? LABEL_CHECK_FOLDS;
  const folds = options.folds ? [...options.folds] : assignFolds(labels, k, settings.seed);
  if (folds.length !== rows.length) throw new Error(`${folds.length} folds for ${rows.length} images`);
  const foldCount = Math.max(...folds) + 1;
  const mirror = settings.mirrorAugment ? options.mirrored : undefined;
  const flip = settings.testTimeFlip ? options.mirrored : undefined;
  const { features, views } = trainingViews(plain, mirror, options.augmented, rows);
  const epochs = options.epochs ?? settings.epochs;
  const runSettings: HeadSettings = { ...settings, epochs, validationFraction: 0, earlyStoppingPatience: 0, refitOnAll: false };
  const probabilities = new Float32Array(rows.length * numClasses);
  const total = foldCount * epochs;
  let done = 0;
  let stopped = false;
  try {
    for (let fold = 0; fold < foldCount && !stopped; fold++) {
      const train = folds.flatMap((f, p) => (f === fold ? [] : [p]));
      const held = folds.flatMap((f, p) => (f === fold ? [p] : []));
      if (held.length === 0) continue;
      const head = createHead(plain.shape[1], numClasses, runSettings);
      try {
        const outcome = await trainHead({
          head,
          features,
          rows: train.map((p) => rows[p]),
          labels: train.map((p) => labels[p]),
          views: views && train.map((p) => views[p]),
          numClasses,
          settings: runSettings,
          onEpoch: () => options.onProgress?.(++done, total),
          shouldStop: options.shouldStop,
          yieldToEvents: options.yieldToEvents,
        });
        stopped = outcome.stopped;
        const probs = tf.tidy(() => {
          const index = tf.tensor1d(held.map((p) => rows[p]), 'int32');
          return predictHead(head, tf.gather(plain, index), flip ? tf.gather(flip, index) : undefined);
        });
        const values = await probs.data();
        probs.dispose();
        held.forEach((p, i) => probabilities.set(values.subarray(i * numClasses, (i + 1) * numClasses), p * numClasses));
      } finally {
        head.dispose();
      }
    }
  } finally {
    if (features !== plain) features.dispose();
  }
  return { probabilities, folds, stopped };
}

export interface LabelSuspect {
  /** Position in the checked list. */
  position: number;
  given: number;
  /** The class the image more likely belongs to. */
  suggested: number;
  /** Out-of-fold probability of the given class and of the suggested one. */
  givenProbability: number;
  suggestedProbability: number;
  /** How suspect (higher is more): 1 − the given class's probability (by margin, suggested − given, for the rules that rank so). */
  score: number;
}

export interface LabelRanking {
  /** Every image that can be judged, most suspect first. */
  ranked: LabelSuspect[];
  /** The first `flagged` of `ranked` are the images the rule calls likely label errors. */
  flagged: number;
  /** Per-class thresholds: the mean out-of-fold probability of a class over the images labelled with it. */
  thresholds: number[];
}

/**
 * Rules compared in docs/label-check.md. 'below-chance' is the app's: the images whose own class the heads
 * find less likely than chance (p_given < 1/k) are flagged, every image ranked by self-confidence (1 − p_given,
 * cleanlab's default quality score), so the list is that ranking cut at chance. 'confident-learning' is the
 * paper's: class j's threshold t_j is the mean probability of j over the images labelled j; an image
 * labelled i is an issue when some class j ≠ i reaches its threshold and is the likeliest of those that
 * do (the confident joint's off-diagonal); issues first, each group by normalised margin (p_suggested −
 * p_given). 'margin' and 'self-confidence' rank by that score alone and flag nothing.
 * Measured at 10% flipped labels on both shared sets (3 seeds): below-chance flagged with the same precision
 * as confident learning and more recall (0.88–0.93 against 0.77–0.91, precision 0.29–0.32 against 0.20–0.21),
 * and its top 2×flipped held more of them (precision 0.39 against 0.32–0.33).
 */
export type RankingRule = 'below-chance' | 'confident-learning' | 'margin' | 'self-confidence';

/**
 * The images ranked, most suspect first, and how many of the first are flagged (see RankingRule). Images of a
 * class with fewer than two images are left out: no head could learn that class without them.
 */
export function rankLabelIssues(probabilities: Float32Array, labels: readonly number[], numClasses: number, rule: RankingRule = 'below-chance'): LabelRanking {
  const n = labels.length;
  if (probabilities.length !== n * numClasses) throw new Error(`${probabilities.length} probabilities for ${n} images × ${numClasses} classes`);
  const p = (i: number, j: number) => probabilities[i * numClasses + j];
  const counts = new Array<number>(numClasses).fill(0);
  const sums = new Array<number>(numClasses).fill(0);
  labels.forEach((label, i) => {
    counts[label]++;
    sums[label] += p(i, label);
  });
  const thresholds = sums.map((s, j) => (counts[j] > 0 ? s / counts[j] : 1));
  const issues: LabelSuspect[] = [];
  const others: LabelSuspect[] = [];
  labels.forEach((given, i) => {
    if (counts[given] < 2) return;
    let best = -1;
    for (let j = 0; j < numClasses; j++) if (j !== given && (best < 0 || p(i, j) > p(i, best))) best = j;
    let confident = -1;
    for (let j = 0; j < numClasses; j++) if (counts[j] > 0 && p(i, j) >= thresholds[j] && (confident < 0 || p(i, j) > p(i, confident))) confident = j;
    const confidentIssue = confident >= 0 && confident !== given;
    const issue = rule === 'below-chance' ? p(i, given) < 1 / numClasses : rule === 'confident-learning' && confidentIssue;
    const suggested = rule === 'confident-learning' && confidentIssue ? confident : best;
    const margin = p(i, suggested) - p(i, given);
    const suspect: LabelSuspect = {
      position: i,
      given,
      suggested,
      givenProbability: p(i, given),
      suggestedProbability: p(i, suggested),
      score: rule === 'margin' || rule === 'confident-learning' ? margin : 1 - p(i, given),
    };
    (issue ? issues : others).push(suspect);
  });
  const order = (a: LabelSuspect, b: LabelSuspect) => b.score - a.score || a.position - b.position;
  return { ranked: [...issues.sort(order), ...others.sort(order)], flagged: issues.length, thresholds };
}

export interface DuplicatePair {
  /** Rows of the matrix, a < b. */
  a: number;
  b: number;
  cosine: number;
}

/**
 * Pairs of rows whose cosine similarity is at least `threshold`, most similar first. Computed a block of
 * rows at a time on the backend ([block, n] similarities read back per block), so memory stays bounded.
 */
export async function nearDuplicates(matrix: tf.Tensor2D, threshold = DUPLICATE_COSINE, block = 256): Promise<DuplicatePair[]> {
  const n = matrix.shape[0];
  const pairs: DuplicatePair[] = [];
  if (n < 2) return pairs;
  const unit = tf.tidy(() => matrix.div(matrix.norm('euclidean', 1, true).maximum(1e-12)) as tf.Tensor2D);
  try {
    for (let start = 0; start < n - 1; start += block) {
      const size = Math.min(block, n - start);
      const sims = tf.tidy(() => tf.matMul(unit.slice([start, 0], [size, -1]), unit, false, true));
      const values = await sims.data();
      sims.dispose();
      for (let i = 0; i < size; i++) {
        const a = start + i;
        for (let b = a + 1; b < n; b++) {
          const cosine = values[i * n + b];
          if (cosine >= threshold) pairs.push({ a, b, cosine: Math.min(1, cosine) });
        }
      }
    }
  } finally {
    unit.dispose();
  }
  return pairs.sort((x, y) => y.cosine - x.cosine || x.a - y.a || x.b - y.b);
}

/**
 * Label noise for measuring Check labels (npm run eval -- --label-check --noise F): round(F·n) positions
 * drawn at random (seeded), each given another class drawn uniformly. Returns the noisy labels and the
 * positions changed.
 */
export function flipLabels(labels: readonly number[], numClasses: number, fraction: number, seed: number): { labels: number[]; flipped: number[] } {
  if (numClasses < 2) throw new Error('flipping labels needs at least two classes');
  const random = seededRandom(seed);
  const flipped = shuffled(labels.map((_, i) => i), random)
    .slice(0, Math.round(fraction * labels.length))
    .sort((a, b) => a - b);
  const noisy = labels.slice();
  for (const p of flipped) noisy[p] = (labels[p] + 1 + Math.floor(random() * (numClasses - 1))) % numClasses;
  return { labels: noisy, flipped };
}
