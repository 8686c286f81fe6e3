import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignFolds, nearDuplicates, outOfFoldProbabilities, rankLabelIssues } from './labelCheck';
import { seededRandom } from './random';
import { DEFAULT_HEAD_SETTINGS, type HeadSettings } from './settings';

const settings: HeadSettings = { ...DEFAULT_HEAD_SETTINGS, epochs: 12, batchSize: 16, learningRate: 0.01, hiddenUnits: 16 };
const CLASSES = 3;
const PER_CLASS = 30;
const DIM = 24;

/** Three well-separated clusters (class c around 4·e_c), the images' "mirrors" slightly moved; labels given in order. */
function clusters(): { plain: tf.Tensor2D; mirrored: tf.Tensor2D; truth: number[] } {
  const random = seededRandom(11);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const truth: number[] = [];
  const rows: number[][] = [];
  for (let c = 0; c < CLASSES; c++) {
    for (let i = 0; i < PER_CLASS; i++) {
      truth.push(c);
      rows.push(Array.from({ length: DIM }, (_, d) => (d === c ? 4 : 0) + gauss()));
    }
  }
  const plain = tf.tensor2d(rows);
  const mirrored = tf.tidy(() => plain.add(tf.randomNormal(plain.shape, 0, 0.1, 'float32', 3))) as tf.Tensor2D;
  return { plain, mirrored, truth };
}

/** Labels with every tenth image moved to the next class: the flipped positions. */
function flip(truth: number[]): { labels: number[]; flipped: Set<number> } {
  const flipped = new Set<number>();
  const labels = truth.map((c, i) => {
    if (i % 10 !== 3) return c;
    flipped.add(i);
    return (c + 1) % CLASSES;
  });
  return { labels, flipped };
}

let data: ReturnType<typeof clusters>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  data = clusters();
});

afterAll(() => tf.dispose([data.plain, data.mirrored]));

describe('assignFolds', () => {
  it('puts about 1/k of each class in each fold, the same way for the same seed', () => {
    const labels = [...new Array(23).fill(0), ...new Array(7).fill(1)];
    const folds = assignFolds(labels, 5, 1);
    expect(assignFolds(labels, 5, 1)).toEqual(folds);
    expect(assignFolds(labels, 5, 2)).not.toEqual(folds);
    for (let f = 0; f < 5; f++) {
      expect(folds.filter((x) => x === f)).toHaveLength(6);
      const zeros = folds.filter((x, p) => x === f && labels[p] === 0).length;
      expect(zeros).toBeGreaterThanOrEqual(4);
      expect(zeros).toBeLessThanOrEqual(5);
    }
    expect(() => assignFolds(labels, 1, 1)).toThrow(/at least 2 folds/);
  });
});

describe('check labels: out-of-fold probabilities, ranked', () => {
  it('ranks the images whose label was flipped above the clean ones, suggests their real class, and leaves no tensor', async () => {
    const { labels, flipped } = flip(data.truth);
    const rows = labels.map((_, i) => i);
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const oof = await outOfFoldProbabilities({ plain: data.plain, mirrored: data.mirrored, rows, labels, numClasses: CLASSES, settings, onProgress: (done, total) => progress.push(done / total) });
    expect(tf.memory().numTensors).toBe(before);
    expect(oof.stopped).toBe(false);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toHaveLength(5 * settings.epochs);
    const { ranked, flagged } = rankLabelIssues(oof.probabilities, labels, CLASSES);
    expect(ranked).toHaveLength(labels.length);
    const top = ranked.slice(0, flipped.size);
    // Random order would find about 10% of them in the top; reversed, none.
    expect(top.filter((s) => flipped.has(s.position)).length / flipped.size).toBeGreaterThanOrEqual(0.75);
    for (const s of top.filter((x) => flipped.has(x.position))) expect(s.suggested).toBe(data.truth[s.position]);
    // The margin alone ranks them too.
    const byMargin = rankLabelIssues(oof.probabilities, labels, CLASSES, 'margin').ranked.slice(0, flipped.size);
    expect(byMargin.filter((s) => flipped.has(s.position)).length / flipped.size).toBeGreaterThanOrEqual(0.75);
    // The flagged list holds most of them, and is not everything.
    expect(ranked.slice(0, flagged).filter((s) => flipped.has(s.position)).length).toBeGreaterThanOrEqual(flipped.size * 0.8);
    expect(flagged).toBeLessThanOrEqual(flipped.size * 2);
    expect(ranked.slice(0, flagged).every((s) => s.suggested !== s.given)).toBe(true);
  });

  it('scores no image with a head that saw its label: changing one label leaves its own probabilities unchanged', async () => {
    const { labels } = flip(data.truth);
    const rows = labels.map((_, i) => i);
    const folds = assignFolds(labels, 5, settings.seed);
    const p = 7;
    const changed = labels.map((c, i) => (i === p ? (c + 1) % CLASSES : c));
    const run = (l: number[]) => outOfFoldProbabilities({ plain: data.plain, rows, labels: l, numClasses: CLASSES, settings: { ...settings, mirrorAugment: false }, folds });
    const [a, b] = [await run(labels), await run(changed)];
    const own = (r: typeof a) => Array.from(r.probabilities.subarray(p * CLASSES, (p + 1) * CLASSES));
    expect(own(b)).toEqual(own(a));
    // Images of other folds were scored by heads that learned the changed label, so something moved.
    expect(Array.from(b.probabilities)).not.toEqual(Array.from(a.probabilities));
  });

  it('stops when asked, between batches', async () => {
    const { labels } = flip(data.truth);
    let calls = 0;
    const before = tf.memory().numTensors;
    const oof = await outOfFoldProbabilities({ plain: data.plain, rows: labels.map((_, i) => i), labels, numClasses: CLASSES, settings, shouldStop: () => ++calls > 3 });
    expect(oof.stopped).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('rankLabelIssues', () => {
  // Six images, two classes: image 2 is labelled 0 but looks like class 1.
  const probs = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.25, 0.75, 0.2, 0.8, 0.1, 0.9, 0.6, 0.4]);
  const labels = [0, 0, 0, 1, 1, 1];

  it('flags the images whose own class is below chance, least likely first, and suggests the likeliest other class', () => {
    const r = rankLabelIssues(probs, labels, 2);
    // Image 2 (0.25 for its class 0) and image 5 (0.4 for its class 1) are below 1/2.
    expect(r.flagged).toBe(2);
    expect(r.ranked.slice(0, 2).map((s) => [s.position, s.suggested])).toEqual([
      [2, 1],
      [5, 0],
    ]);
    expect(r.ranked[0].score).toBeCloseTo(0.75, 5);
    expect(r.ranked.map((s) => s.position).slice(-1)).toEqual([4]);
  });

  it('confident learning (the paper’s rule): per-class thresholds, issues first by margin', () => {
    const r = rankLabelIssues(probs, labels, 2, 'confident-learning');
    // Thresholds: class 0 mean(0.9, 0.8, 0.25) = 0.65; class 1 mean(0.8, 0.9, 0.4) = 0.7.
    expect(r.thresholds[0]).toBeCloseTo(0.65, 5);
    expect(r.thresholds[1]).toBeCloseTo(0.7, 5);
    // Image 2: class 1 at 0.75 ≥ 0.7, an issue. Image 5: class 0 at 0.6 < 0.65, not one, but next by margin.
    expect(r.flagged).toBe(1);
    expect(r.ranked[0]).toMatchObject({ position: 2, given: 0, suggested: 1 });
    expect(r.ranked[0].score).toBeCloseTo(0.5, 5);
    expect(r.ranked[1].position).toBe(5);
  });

  it('with three classes, chance is a third', () => {
    const probs3 = (image2: number[]) => Float32Array.from([0.8, 0.1, 0.1, 0.8, 0.1, 0.1, ...image2, 0.1, 0.5, 0.4, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.1, 0.1, 0.8]);
    const labels3 = [0, 0, 0, 1, 1, 2, 2];
    expect(rankLabelIssues(probs3([0.4, 0.5, 0.1]), labels3, 3).flagged).toBe(0);
    const below = rankLabelIssues(probs3([0.3, 0.5, 0.2]), labels3, 3);
    expect(below.flagged).toBe(1);
    expect(below.ranked[0]).toMatchObject({ position: 2, suggested: 1 });
  });

  it('leaves out images of a class with a single image', () => {
    const r = rankLabelIssues(Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.5, 0.5]), [0, 0, 1], 2);
    expect(r.ranked.map((s) => s.position).sort()).toEqual([0, 1]);
  });
});

describe('nearDuplicates', () => {
  it('finds pairs above the cosine threshold across blocks, most similar first, whatever their length', async () => {
    const m = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
      [2, 0.02, 0], // image 0 at twice the length, nearly the same direction
      [0, 0, 1],
      [0, 0.3, 1],
    ]);
    const before = tf.memory().numTensors;
    const pairs = await nearDuplicates(m, 0.95, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(pairs.map(({ a, b }) => [a, b])).toEqual([
      [0, 2],
      [3, 4],
    ]);
    expect(pairs[0].cosine).toBeGreaterThan(0.999);
    expect(await nearDuplicates(m, 0.99)).toHaveLength(1);
    m.dispose();
  });
});
