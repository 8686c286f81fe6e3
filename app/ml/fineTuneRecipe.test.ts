import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdaptedBlocks } from './blocks';
import { DEFAULT_FINE_TUNE_SETTINGS, fineTune, type FineTuneSettings } from './fineTune';
import { DEFAULT_HEAD_SETTINGS, createHead } from './head';
import { learningRateSchedule } from './schedule';

// The fine-tuning recipe (warm-up + schedule, L2-SP, early stopping on held-out images) on a tiny
// inverted-residual block of the same structure as MobileNetV2's (CPU backend, seconds): 2×2 positions,
// 4 → 8 → 4 channels, a 4 → 6 top conv, a softmax head on the 6-d embedding.
const SIDE = 2;
const CHANNELS = 4;

function tinyBlocks(seed: number, count = 1): AdaptedBlocks {
  const v = (shape: number[], offset: number, name: string) => tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 0.5, 'float32', seed + offset), true, `tiny${seed}/${name}`));
  const blocks = Array.from({ length: count }, (_, b) => ({
    name: `expanded_conv_${17 - count + b}`,
    expand: { kernel: v([CHANNELS, 8], 10 * b + 1, `${b}/expand`), bias: v([8], 10 * b + 2, `${b}/expand_b`) },
    depthwise: { kernel: v([3, 3, 8], 10 * b + 3, `${b}/dw`), bias: v([8], 10 * b + 4, `${b}/dw_b`) },
    project: { kernel: v([8, CHANNELS], 10 * b + 5, `${b}/project`), bias: v([CHANNELS], 10 * b + 6, `${b}/project_b`) },
    residual: true,
    stride: 1 as const,
  }));
  const top = { kernel: v([CHANNELS, 6], 7, 'top'), bias: v([6], 8, 'top_b') };
  const variables = [...blocks.flatMap((k) => [k.expand.kernel, k.expand.bias, k.depthwise.kernel, k.depthwise.bias, k.project.kernel, k.project.bias]), top.kernel, top.bias];
  return { count, cutLayer: 'tiny', cutShape: [SIDE, SIDE, CHANNELS], blocks, top, variables };
}

const values = (vs: readonly tf.Variable[]) => vs.map((x) => Array.from(x.dataSync()));
const distance = (a: number[][], b: number[][]) => Math.sqrt(a.flat().reduce((s, x, i) => s + (x - b.flat()[i]) ** 2, 0));
const base: FineTuneSettings = { ...DEFAULT_FINE_TUNE_SETTINGS, batchSize: 2, learningRate: 0.05, backboneRateFactor: 1, balanceClasses: false };
const headSettings = { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 0 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('learning-rate schedule with warm-up', () => {
  it('ramps linearly over the warm-up steps, then decays by a cosine to 0 over the rest (or stays constant)', () => {
    // 2 epochs × 5 steps, 20% warm-up = steps 0 and 1.
    const cosine = learningRateSchedule({ learningRate: 1, learningRateSchedule: 'cosine', epochs: 2 }, 5, 0.2);
    expect([0, 1, 2, 6].map(cosine)).toEqual([0.5, 1, 1, expect.closeTo(0.5, 10)]);
    expect(cosine(9)).toBeCloseTo(0.5 * (1 + Math.cos((7 * Math.PI) / 8)), 10);
    const constant = learningRateSchedule({ learningRate: 0.1, learningRateSchedule: 'constant', epochs: 2 }, 5, 0.2);
    expect([0, 1, 2, 9].map(constant)).toEqual([0.05, 0.1, 0.1, 0.1]);
    // Without a warm-up, as before: cosine from the full rate at step 0.
    const plain = learningRateSchedule({ learningRate: 1, learningRateSchedule: 'cosine', epochs: 2 }, 5);
    expect([0, 5].map(plain)).toEqual([1, expect.closeTo(0.5, 10)]);
  });
});

describe('fine-tuning recipe', () => {
  // Rows 0, 1: two images of classes 0 and 1 (training); rows 2, 3: the same two images, held out.
  const pattern = (sign: number) => Array.from({ length: SIDE * SIDE * CHANNELS }, (_, i) => sign * (1 + (i % 3)));
  const images = [pattern(1), pattern(-1)];

  it('early stopping keeps the best held-out epoch (blocks and head), a tie keeping the earlier, and stops after `patience` epochs without a better one', async () => {
    for (const [patience, epochs] of [
      [1, 6],
      [0, 3],
    ]) {
      const before = tf.memory().numTensors;
      const adapted = tinyBlocks(1);
      const head = createHead(6, 2, headSettings);
      // A variable, so the held-out rows can be swapped after epoch 1 (worse) and back after epoch 2 (a tie).
      const cut = tf.tidy(() => tf.variable(tf.tensor2d([...images, ...images]), false));
      const vars = [...adapted.variables, ...head.trainableWeights.map((w) => w.read() as tf.Variable)];
      const snapshots: number[][][] = [];
      const outcome = await fineTune({
        adapted,
        head,
        cut,
        rows: [0, 1, 0, 1, 0, 1],
        labels: [0, 1, 0, 1, 0, 1],
        numClasses: 2,
        settings: { ...base, epochs, patience },
        validation: { rows: [2, 3], labels: [0, 1] },
        onEpoch: (epoch) => {
          snapshots.push(values(vars));
          const held = epoch === 1 ? [images[1], images[0]] : images;
          tf.tidy(() => cut.assign(tf.tensor2d([...images, ...held])));
        },
      });
      expect(outcome.validationAccuracy).toEqual(patience === 1 ? [1, 0] : [1, 0, 1]);
      expect(outcome.epochsRun).toBe(patience === 1 ? 2 : 3);
      expect(outcome.bestEpoch).toBe(1);
      const final = values(vars);
      expect(distance(final, snapshots[0])).toBe(0);
      expect(distance(final, snapshots[snapshots.length - 1])).toBeGreaterThan(0);
      tf.dispose([cut, ...adapted.variables]);
      head.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('without held-out images every epoch runs and the last is kept', async () => {
    const before = tf.memory().numTensors;
    const adapted = tinyBlocks(2);
    const head = createHead(6, 2, headSettings);
    const cut = tf.tensor2d(images);
    const outcome = await fineTune({ adapted, head, cut, rows: [0, 1], labels: [0, 1], numClasses: 2, settings: { ...base, epochs: 3, patience: 1 } });
    expect([outcome.epochsRun, outcome.bestEpoch, outcome.validationAccuracy]).toEqual([3, 3, []]);
    tf.dispose([cut, ...adapted.variables]);
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('layer-wise rate decay: the block below the last learns at rate × decay (decay 0: it stays as it was; the last block and Conv_1 learn)', async () => {
    const before = tf.memory().numTensors;
    const adapted = tinyBlocks(4, 2);
    const head = createHead(6, 2, headSettings);
    const cut = tf.tensor2d(images);
    const w0 = values(adapted.variables);
    await fineTune({ adapted, head, cut, rows: [0, 1], labels: [0, 1], numClasses: 2, settings: { ...base, epochs: 2, layerRateDecay: 0 } });
    const moved = values(adapted.variables).map((w, i) => distance([w], [w0[i]]) > 0);
    // Variables 0–5: the deeper block; 6–11: the last block; 12–13: Conv_1.
    expect(moved).toEqual([...new Array<boolean>(6).fill(false), ...new Array<boolean>(8).fill(true)]);
    tf.dispose([cut, ...adapted.variables]);
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('L2-SP pulls the adapted weights toward their pre-trained values: a large α keeps them near w0', async () => {
    const drift = async (l2sp: number) => {
      const before = tf.memory().numTensors;
      const adapted = tinyBlocks(3);
      const head = createHead(6, 2, headSettings);
      const cut = tf.tensor2d(images);
      const w0 = values(adapted.variables);
      await fineTune({ adapted, head, cut, rows: [0, 1], labels: [0, 1], numClasses: 2, settings: { ...base, epochs: 20, l2sp } });
      const d = distance(values(adapted.variables), w0);
      tf.dispose([cut, ...adapted.variables]);
      head.dispose();
      expect(tf.memory().numTensors).toBe(before);
      return d;
    };
    const free = await drift(0);
    const anchored = await drift(1000);
    expect(free).toBeGreaterThan(0.5);
    expect(anchored).toBeLessThan(free / 5);
  });
});
