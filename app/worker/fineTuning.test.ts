import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../ml/backbone';
import { BACKBONES } from '../ml/backbones';
import { disposeBlocks } from '../ml/blocks';
import { fitHead } from '../ml/fit';
import { DEFAULT_HEAD_SETTINGS } from '../ml/settings';
import { diskModel } from '../ml/testing';
import { adaptBlocks, checkCutBudget } from './fineTuning';
import { disposeCuts, type Session } from './session';

// The worker's fine-tuning path (CPU backend, the real layers twin): the cut-point cache is filled
// beforehand with random activations, so no image is decoded and IndexedDB is not needed.
const folder = join(__dirname, '..', '..', 'public', 'models', BACKBONES.mobilenet_v2_140_layers.folder);
// Four images a class: the fewest from which one is held out.
const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const labels = [0, 0, 0, 0, 1, 1, 1, 1];
const rows = ids.map((_, i) => i);
const settings = { ...DEFAULT_HEAD_SETTINGS, epochs: 1, adaptBlocks: 1, adaptEpochs: 1, hiddenUnits: 8, validationFraction: 0.25 };
let session: Session;
let plain: tf.Tensor2D;
let mirrored: tf.Tensor2D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const twin = await tf.loadLayersModel(diskModel(folder));
  const row = (seed: number) => tf.randomUniform([1, 7 * 7 * 224], 0, 2, 'float32', seed) as tf.Tensor2D;
  session = {
    backbone: { spec: BACKBONES.mobilenet_v2_140 } as Backbone,
    twin,
    cuts: { blocks: 1, rows: new Map(ids.map((id, i) => [id, { plain: row(i), mirror: row(10 + i) }])) },
    adapted: null,
    persist: false,
    baseUrl: 'http://localhost/',
  } as unknown as Session;
  plain = tf.randomNormal([8, 1792], 0, 1, 'float32', 1) as tf.Tensor2D;
  mirrored = tf.randomNormal([8, 1792], 0, 1, 'float32', 2) as tf.Tensor2D;
}, 120_000);

afterAll(() => {
  disposeCuts(session?.cuts ?? null);
  session?.twin?.dispose();
  tf.dispose([plain, mirrored]);
});

async function run() {
  const fit = await fitHead({ plain, mirrored, rows, labels, numClasses: 2, settings: { ...settings, refitOnAll: false } });
  const result = await adaptBlocks(session, { blocks: 1, ids, labels, numClasses: 2, settings, fit, plain, mirrored, rows, shouldStop: () => false });
  return { fit, result };
}

describe('adapting blocks in the worker', () => {
  it('measures on the held-out images, refits on all, hands the optimizer only the block and head variables, and leaves no tensor behind across two runs', async () => {
    const counts: number[] = [];
    for (let i = 0; i < 2; i++) {
      const before = tf.memory().numTensors;
      const { fit, result } = await run();
      expect(fit.scope).toBe('validation');
      expect(result.refit).toBe(true);
      expect(fit.positions).toHaveLength(2);
      expect(result.answers.predicted).toHaveLength(2);
      expect(result.tuned.optimizer.varList.every((name) => name.startsWith('adapt') || !name.includes('expanded_conv'))).toBe(true);
      expect(result.tuned.optimizer.varList).toHaveLength(3 * 2 + 2 + 4);
      result.head.dispose();
      disposeBlocks(result.adapted);
      counts.push(tf.memory().numTensors - before);
    }
    expect(counts).toEqual([0, 0]);
  }, 300_000);

  it('refuses, before computing anything, a cut-point cache over 1 GiB', async () => {
    await expect(checkCutBudget(session, 1, 20_000, 2)).rejects.toThrow(/1,675 MB of activations for 20,000 images \(2 views each\), more than the 1,024 MB allowed/);
    expect(await checkCutBudget(session, 1, 300, 2)).toBe(300 * 2 * 7 * 7 * 224 * 4);
  });
});
