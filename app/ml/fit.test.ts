import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone, type Backbone } from './backbone';
import { fitHead } from './fit';
import type { EpochReport } from './head';
import { DEFAULT_HEAD_SETTINGS, type HeadSettings } from './settings';
import { TINY_SPEC, tinyBackboneSource, twoClassPixels } from './testing';

const settings: HeadSettings = { ...DEFAULT_HEAD_SETTINGS, epochs: 6, batchSize: 4, learningRate: 0.01, hiddenUnits: 16, validationFraction: 0.25 };

let backbone: Backbone;
let plain: tf.Tensor2D;
let mirrored: tf.Tensor2D;
let labels: number[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  backbone = await loadBackbone(TINY_SPEC, await tinyBackboneSource());
  const data = twoClassPixels(8, TINY_SPEC.inputSize);
  labels = data.labels;
  plain = backbone.embed(data.pixels);
  mirrored = tf.tidy(() => backbone.embed(tf.reverse(data.pixels, 2)));
  data.pixels.dispose();
});

afterAll(() => {
  tf.dispose([plain, mirrored]);
  backbone.dispose();
});

const rows = () => labels.map((_, i) => i);

describe('fitHead: measure on held-out images, then refit on all', () => {
  it('answers the held-out images with the measuring head and keeps the refit head', async () => {
    const phases: EpochReport['phase'][] = [];
    const fit = await fitHead({ plain, mirrored, rows: rows(), labels, numClasses: 2, settings, onEpoch: (r) => void phases.push(r.phase) });
    expect(fit.scope).toBe('validation');
    expect(fit.positions).toEqual(fit.outcome.validation);
    expect(fit.answers.predicted).toHaveLength(4);
    expect(fit.refit).toBe(true);
    expect(phases).toEqual([...new Array(6).fill('measure'), ...new Array(6).fill('final')]);
    expect(fit.testTimeFlip).toBe(true);
    fit.head.dispose();
  });

  it('refits for as many epochs as the best held-out loss took, after early stopping', async () => {
    const noise = rows().map((i) => [0, 1, 1, 0, 1, 0, 0, 1][i % 8]);
    const s: HeadSettings = { ...settings, epochs: 40, learningRate: 0.05, validationFraction: 0.5, earlyStoppingPatience: 3 };
    const phases: EpochReport['phase'][] = [];
    const fit = await fitHead({ plain, rows: rows(), labels: noise, numClasses: 2, settings: s, onEpoch: (r) => void phases.push(r.phase) });
    expect(fit.outcome.epochsRun).toBeLessThan(40);
    expect(phases.filter((p) => p === 'final')).toHaveLength(fit.outcome.bestEpoch);
    fit.head.dispose();
  });

  it('flips at test time only when the mirrored view is there', async () => {
    const fit = await fitHead({ plain, rows: rows(), labels, numClasses: 2, settings: { ...settings, refitOnAll: false } });
    expect(fit.testTimeFlip).toBe(false);
    expect(fit.refit).toBe(false);
    fit.head.dispose();
  });

  it('leaves no tensor behind but the head it returns', async () => {
    const run = async () => (await fitHead({ plain, mirrored, rows: rows(), labels, numClasses: 2, settings: { ...settings, epochs: 2, earlyStoppingPatience: 1 } })).head.dispose();
    await run();
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('learns from the augmented views: classes that look alike as seen are told apart by their views', async () => {
    // As seen, every image is the same vector; each image's two augmented views carry its class.
    const n = labels.length;
    const same = tf.tidy(() => tf.ones([n, 4]) as tf.Tensor2D);
    const views = tf.tidy(() => tf.tensor2d(labels.flatMap((y) => [y === 0 ? [3, 0, 0, 0] : [0, 3, 0, 0], y === 0 ? [2, 0, 1, 0] : [0, 2, 0, 1]])));
    const s: HeadSettings = { ...settings, epochs: 30, mirrorAugment: false, testTimeFlip: false, validationFraction: 0, refitOnAll: false };
    const withViews = await fitHead({ plain: same, rows: rows(), labels, numClasses: 2, settings: s, augmented: { matrix: views, rowsOf: (r) => [2 * r, 2 * r + 1] } });
    const without = await fitHead({ plain: same, rows: rows(), labels, numClasses: 2, settings: s });
    const accuracy = async (head: tf.LayersModel) => {
      const predicted = tf.tidy(() => (head.predict(views) as tf.Tensor2D).argMax(1));
      const values = Array.from(await predicted.data());
      predicted.dispose();
      return values.filter((p, i) => p === labels[Math.floor(i / 2)]).length / values.length;
    };
    expect(await accuracy(withViews.head)).toBe(1);
    expect(await accuracy(without.head)).toBeLessThan(1);
    tf.dispose([same, views]);
    withViews.head.dispose();
    without.head.dispose();
  });
});
