import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone, type Backbone } from './backbone';
import { EmbeddingCache } from './embeddingCache';
import { DEFAULT_HEAD_SETTINGS, balancedClassWeights, createHead, predictHead, predictRows, trainHead, trainableVariables, type HeadSettings } from './head';
import { TINY_SPEC, tinyBackboneSource, twoClassPixels } from './testing';

const settings = { ...DEFAULT_HEAD_SETTINGS, epochs: 15, batchSize: 4, learningRate: 0.01, hiddenUnits: 16, validationFraction: 0.25 };

let backbone: Backbone;
let cache: EmbeddingCache;
let labels: number[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  backbone = await loadBackbone(TINY_SPEC, await tinyBackboneSource());
  const data = twoClassPixels(8, TINY_SPEC.inputSize);
  labels = data.labels;
  cache = new EmbeddingCache(TINY_SPEC.featureDim);
  const embeddings = backbone.embed(data.pixels);
  data.pixels.dispose();
  cache.add(labels.map((_, i) => `s${i}`), labels.map((l) => `class${l}`), embeddings);
});

afterAll(() => {
  cache.dispose();
  backbone.dispose();
});

function train(head: tf.Sequential, extra: Partial<Parameters<typeof trainHead>[0]> = {}) {
  const { rows, labels: y } = cache.labelledRows(['class0', 'class1']);
  return trainHead({ head, features: cache.matrix(), rows, labels: y, numClasses: 2, settings, ...extra });
}

describe('head training (feature extraction)', () => {
  // The backbone never enters trainHead, so whether its weights stay frozen and out of the optimizer is
  // tested where it does enter training: fineTune.test.ts, through the real backbone.
  it("updates the head, and the optimizer holds state for exactly the head's variables", async () => {
    const head = createHead(TINY_SPEC.featureDim, 2, settings);
    const headBefore = await Promise.all(trainableVariables(head).map((v) => v.data()));
    const outcome = await train(head);

    const headAfter = await Promise.all(trainableVariables(head).map((v) => v.data()));
    expect(headAfter.some((after, i) => after.some((x, j) => x !== headBefore[i][j]))).toBe(true);

    const headNames = trainableVariables(head).map((v) => v.name).sort();
    expect([...outcome.optimizer.varList].sort()).toEqual(headNames);
    // Adam keeps two moments (m and v) per trainable parameter, and nothing for frozen ones.
    expect(outcome.optimizer.variables).toBe(2);
    expect(outcome.optimizer.bytes).toBe(2 * 4 * head.countParams());
    head.dispose();
  });

  it('learns two separable classes and reports honest held-out metrics', async () => {
    const head = createHead(TINY_SPEC.featureDim, 2, settings);
    const outcome = await train(head);
    expect(outcome.history).toHaveLength(settings.epochs);
    expect(outcome.validation).toHaveLength(4);
    const last = outcome.history.at(-1)!;
    expect(last.accuracy).toBe(1);
    expect(last.valAccuracy).toBe(1);
    const { rows } = cache.labelledRows(['class0', 'class1']);
    expect(await predictRows(head, cache.matrix(), rows)).toEqual(labels);
    head.dispose();
  });

  it('predicts one probability per class for each embedding', async () => {
    const head = createHead(TINY_SPEC.featureDim, 3, settings);
    const probs = predictHead(head, cache.matrix());
    expect(probs.shape).toEqual([16, 3]);
    const sums = (await probs.sum(1).array()) as number[];
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
    probs.dispose();
    head.dispose();
  });

  it('stops within one batch when asked', async () => {
    const head = createHead(TINY_SPEC.featureDim, 2, settings);
    let batches = 0;
    const outcome = await train(head, { yieldToEvents: async () => void batches++, shouldStop: () => batches >= 2 });
    expect(outcome.stopped).toBe(true);
    expect(batches).toBe(2);
    expect(outcome.epochsRun).toBe(1);
    head.dispose();
  });

  it('leaves no tensor behind when a training step throws mid-epoch', async () => {
    const failing = async () => {
      const head = createHead(TINY_SPEC.featureDim, 2, settings);
      let batches = 0;
      await expect(
        train(head, {
          yieldToEvents: async () => {
            if (++batches === 3) throw new Error('the device was lost');
          },
        }),
      ).rejects.toThrow('the device was lost');
      head.dispose();
    };
    await failing();
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await failing();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('does not leak tensors across repeated train and predict, with every training option on', async () => {
    const all: HeadSettings = {
      ...settings,
      epochs: 3,
      dropout: 0.2,
      labelSmoothing: 0.1,
      earlyStoppingPatience: 1,
      learningRateSchedule: 'cosine',
      mirrorAugment: true,
      testTimeFlip: true,
    };
    const run = async () => {
      const head = createHead(TINY_SPEC.featureDim, 2, all);
      const { rows } = cache.labelledRows(['class0', 'class1']);
      // Each row's other view: the row of the other image of the same class (stands in for its mirror).
      await train(head, { settings: all, views: rows.map((r) => [r % 8 === 7 ? r - 1 : r + 1]) });
      const probs = predictHead(head, cache.matrix(), cache.matrix());
      await probs.data();
      probs.dispose();
      await predictRows(head, cache.matrix(), rows);
      head.dispose();
    };
    await run();
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('stops early on the held-out loss and gives back the weights of its best epoch', async () => {
    // Labels that have nothing to do with the images: the head can only overfit, so the held-out loss rises.
    const { rows } = cache.labelledRows(['class0', 'class1']);
    const noise = rows.map((_, i) => [0, 1, 1, 0, 1, 0, 0, 1][i % 8]);
    const s: HeadSettings = { ...settings, epochs: 40, learningRate: 0.05, validationFraction: 0.5, earlyStoppingPatience: 3 };
    const head = createHead(TINY_SPEC.featureDim, 2, s);
    const byEpoch: Float32Array[][] = [];
    const outcome = await trainHead({
      head, features: cache.matrix(), rows, labels: noise, numClasses: 2, settings: s,
      onEpoch: () => void byEpoch.push(trainableVariables(head).map((v) => v.dataSync() as Float32Array)),
    });
    const losses = outcome.history.map((h) => h.valLoss!);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(outcome.bestEpoch).toBe(best);
    expect(outcome.epochsRun).toBe(best + 3);
    expect(outcome.epochsRun).toBeLessThan(40);
    const now = await Promise.all(trainableVariables(head).map((v) => v.data()));
    now.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(byEpoch[best - 1][i])));
    expect(now.some((values, i) => values.some((x, j) => x !== byEpoch.at(-1)![i][j]))).toBe(true);
    head.dispose();
  });

  it('runs only as many epochs as asked when refitting after early stopping', async () => {
    const head = createHead(TINY_SPEC.featureDim, 2, settings);
    const outcome = await train(head, { settings: { ...settings, validationFraction: 0, earlyStoppingPatience: 2 }, epochLimit: 4 });
    expect(outcome.epochsRun).toBe(4);
    expect(outcome.bestEpoch).toBe(4);
    head.dispose();
  });

  it('averages the prediction of an image and of its mirror', async () => {
    const head = createHead(TINY_SPEC.featureDim, 3, settings);
    const a = cache.matrix().slice([0, 0], [4, -1]) as tf.Tensor2D;
    const b = cache.matrix().slice([8, 0], [4, -1]) as tf.Tensor2D;
    const both = predictHead(head, a, b);
    const expected = tf.tidy(() => predictHead(head, a).add(predictHead(head, b)).div(2));
    const [got, want] = await Promise.all([both.data(), expected.data()]);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i], 6));
    tf.dispose([a, b, both, expected]);
    head.dispose();
  });

  it('weights a small class up so it counts as much as a large one', () => {
    expect(balancedClassWeights([0, 0, 0, 1], 2)).toEqual([4 / 6, 2]);
    expect(balancedClassWeights([0, 1], 3)).toEqual([2 / 3, 2 / 3, 1]);
  });

  it('applies class weights only when the classes differ in size', async () => {
    const { rows, labels: y } = cache.labelledRows(['class0', 'class1']);
    const trainedWeights = async (keep: number[], balanceClasses: boolean) => {
      const head = createHead(TINY_SPEC.featureDim, 2, settings);
      await trainHead({ head, features: cache.matrix(), rows: keep, labels: keep.map((r) => y[r]), numClasses: 2, settings: { ...settings, epochs: 3, validationFraction: 0, balanceClasses } });
      const values = await Promise.all(trainableVariables(head).map((v) => v.data()));
      head.dispose();
      return values.map((v) => Array.from(v));
    };
    expect(await trainedWeights(rows, true)).toEqual(await trainedWeights(rows, false));
    const imbalanced = rows.filter((_, i) => y[i] === 0 || i >= 14);
    expect(await trainedWeights(imbalanced, true)).not.toEqual(await trainedWeights(imbalanced, false));
  });

  it('refuses to build a head for fewer than two classes', () => {
    expect(() => createHead(8, 1, settings)).toThrow(/two classes/);
  });
});
