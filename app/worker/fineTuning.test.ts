import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../ml/backbone';
import { BACKBONES } from '../ml/backbones';
import { copyBlocks, disposeBlocks, embedFromCut } from '../ml/blocks';
import { fitHead } from '../ml/fit';
import { DEFAULT_HEAD_SETTINGS } from '../ml/settings';
import { diskModel } from '../ml/testing';
import type { ViewStore } from './augmentedViews';
import { adaptBlocks, adaptedView, checkCutBudget, predictAdapted, type AdaptResult } from './fineTuning';
import type { EpochReport } from '../ml/head';
import { explain } from '../ml/heatMap';
import type { DecodedImage } from './decode';
import { cutCacheBytes, disposeCuts, toBatch, type Session } from './session';

// The worker's fine-tuning path (wasm backend, the real layers twin): the cut-point cache is filled
// beforehand with random activations, so no image is decoded and IndexedDB is not needed.
const folder = join(__dirname, '..', '..', 'public', 'models', BACKBONES.mobilenet_v2_140_layers.folder);
// Four images a class: the fewest from which one is held out.
const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const labels = [0, 0, 0, 0, 1, 1, 1, 1];
const rows = ids.map((_, i) => i);
// 'always': these tests are about the adapting itself; auto's choice has its own below.
const settings = { ...DEFAULT_HEAD_SETTINGS, epochs: 1, adaptBlocks: 1, adaptEpochs: 1, hiddenUnits: 8, validationFraction: 0.25, adaptChoice: 'always' as const };
/** Frees what an adaptBlocks call kept. */
const free = (r: AdaptResult) => {
  r.head.dispose();
  if (r.adapted) disposeBlocks(r.adapted);
};
let session: Session;
let plain: tf.Tensor2D;
let mirrored: tf.Tensor2D;

beforeAll(async () => {
  // The wasm backend, the one the app adapts blocks on without a GPU (and several times faster than 'cpu' here).
  setWasmPaths(join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
  const twin = await tf.loadLayersModel(diskModel(folder));
  const row = (seed: number) => tf.randomUniform([1, 7 * 7 * 224], 0, 2, 'float32', seed) as tf.Tensor2D;
  session = {
    backbone: { spec: BACKBONES.mobilenet_v2_140 } as Backbone,
    twin,
    cuts: { blocks: 1, viewKinds: '', rows: new Map(ids.map((id, i) => [id, { plain: row(i), mirror: row(10 + i), views: [] }])) },
    adapted: null,
    cutsComputed: 0,
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
      expect(result.adapted).not.toBeNull();
      expect(result.tuned!.optimizer.varList.every((name) => name.startsWith('adapt') || !name.includes('expanded_conv'))).toBe(true);
      expect(result.tuned!.optimizer.varList).toHaveLength(3 * 2 + 2 + 4);
      free(result);
      counts.push(tf.memory().numTensors - before);
    }
    expect(counts).toEqual([0, 0]);
  }, 300_000);

  it('a prediction with its heat maps through the adapted blocks gives the same probabilities as predictAdapted, maps from their 7×7 map', async () => {
    const { result } = await run();
    Object.assign(session, { head: result.head, adapted: result.adapted, headTestTimeFlip: true });
    const image = { pixels: tf.randomUniform([224 * 224 * 3], 0, 1, 'float32', 5).dataSync() as Float32Array } as DecodedImage;
    // The twin up to the cut is made on first use and kept (fineTuning.ts's extractorFor).
    predictAdapted(session, image).dispose();
    const before = tf.memory().numTensors;
    const expected = predictAdapted(session, image);
    const { probabilities, maps } = tf.tidy(() => {
      const batch = toBatch(session.backbone, [image]);
      return explain(result.head, adaptedView(session, batch), adaptedView(session, tf.reverse(batch, 2)));
    });
    expect(Array.from(await probabilities.data())).toEqual(Array.from(await expected.data()));
    expect(maps.shape).toEqual([2, 7, 7]);
    const peak = maps.max();
    expect(await peak.data()).toEqual(Float32Array.from([1]));
    tf.dispose([expected, probabilities, maps, peak]);
    expect(tf.memory().numTensors).toBe(before);
    Object.assign(session, { head: null, adapted: null });
    free(result);
  }, 300_000);

  it('refuses, before computing anything, a cut-point cache over 1 GiB', async () => {
    await expect(checkCutBudget(session, 1, 20_000, 2)).rejects.toThrow(/1,675 MB of activations for 20,000 images \(2 views each\), more than the 1,024 MB allowed/);
    expect(await checkCutBudget(session, 1, 300, 2)).toBe(300 * 2 * 7 * 7 * 224 * 4);
    // Deeper than the app adapts (N = 7 at batch 16 ran out of wasm memory in the study): refused by name.
    await expect(checkCutBudget(session, 5, 10, 2)).rejects.toThrow('Adapt 0 to 4 blocks, not 5.');
    expect(await checkCutBudget(session, 4, 10, 2)).toBe(10 * 2 * 14 * 14 * 136 * 4);
  });
});

describe('adapting blocks with augmented views', () => {
  const augmentSettings = { ...settings, validationFraction: 0, refitOnAll: false, mirrorAugment: false, testTimeFlip: false, augmentViews: 2 };
  const twoIds = ['p', 'q'];
  let views: Session;
  let decoded = 0;
  // An in-memory stand-in for IndexedDB and the stored originals.
  const saved = new Map<string, Float32Array>();
  const store: ViewStore = {
    load: async (keys) => keys.map((key) => saved.get(key)),
    save: async (entries) => entries.forEach(([key, values]) => saved.set(key, values)),
    originals: async (batch) => {
      decoded += batch.length;
      return batch.map((id) => ({ id, image: { pixels: new Float32Array(224 * 224 * 3).map((_, j) => ((j * (id.charCodeAt(0) % 5 + 3)) % 17) / 17), thumbnail: new Blob(), width: 224, height: 224 } }));
    },
  };
  const adapt = async (patch: Partial<typeof augmentSettings>, s: Session, which = twoIds) => {
    const run = { ...augmentSettings, ...patch };
    const rowsHere = which.map((_, i) => i);
    const labelsHere = which.map((_, i) => i % 2);
    const features = tf.randomNormal([which.length, 1792], 0, 1, 'float32', 3) as tf.Tensor2D;
    try {
      const fit = await fitHead({ plain: features, rows: rowsHere, labels: labelsHere, numClasses: 2, settings: run });
      const result = await adaptBlocks(s, { blocks: 1, ids: which, labels: labelsHere, numClasses: 2, settings: run, fit, plain: features, rows: rowsHere, store, shouldStop: () => false });
      return result;
    } finally {
      features.dispose();
    }
  };

  beforeAll(() => {
    views = fresh();
  });
  const fresh = () => ({ ...session, cuts: null, persist: true, byHash: new Map(twoIds.map((id) => [`hash-${id}`, { id, name: id }])) }) as Session;
  afterAll(() => {
    disposeCuts(views?.cuts ?? null);
    saved.clear();
  });

  it('computes each image\'s views at the cut once, saves them, reads them back after a reload, adds only new ones when K grows, and recomputes them when the kinds change', async () => {
    const first = await adapt({}, views);
    expect(decoded).toBe(2);
    expect([...saved.keys()].filter((key) => key.includes('hash-p')).map((key) => key.split('|').pop())).toEqual(['cut1', 'cut1-aug-flip+crop+rotate+colour-0', 'cut1-aug-flip+crop+rotate+colour-1']);
    expect([...views.cuts!.rows.values()].map((row) => row.views.length)).toEqual([2, 2]);
    expect(first.cutBytes).toBe(2 * (1 + 2) * 7 * 7 * 224 * 4);
    expect(cutCacheBytes(views.cuts)).toBe(first.cutBytes);
    const kept = views.cuts!.rows.get('p')!.views.slice();
    free(first);

    const again = await adapt({}, views);
    expect(decoded).toBe(2); // nothing decoded: every activation came from the cache
    // A reload (a new worker): every activation comes back from storage, the same numbers, no original decoded.
    const reloaded = fresh();
    const back = await adapt({}, reloaded);
    expect(decoded).toBe(2);
    expect(cutCacheBytes(reloaded.cuts)).toBe(first.cutBytes);
    expect(await reloaded.cuts!.rows.get('q')!.views[1].data()).toEqual(await views.cuts!.rows.get('q')!.views[1].data());
    free(back);
    disposeCuts(reloaded.cuts);
    const more = await adapt({ augmentViews: 3 }, views);
    expect(decoded).toBe(4);
    const row = views.cuts!.rows.get('p')!;
    expect(row.views).toHaveLength(3);
    expect(row.views.slice(0, 2)).toEqual(kept); // the same tensors: only the third view was computed
    const plainBefore = row.plain;
    const other = await adapt({ augmentViews: 1, augmentColour: false }, views);
    expect(views.cuts!.viewKinds).toBe('flip+crop+rotate');
    expect(views.cuts!.rows.get('p')!.views).toHaveLength(1);
    expect(views.cuts!.rows.get('p')!.views[0]).not.toBe(kept[0]);
    expect(views.cuts!.rows.get('p')!.plain).toBe(plainBefore); // the image's own activations are kept
    for (const r of [again, more, other]) free(r);
  }, 300_000);

  it('adapts the blocks on the views: poisoned views reach the weights only when K > 0', async () => {
    // The cache holds views whose activations are NaN: learning from them makes the weights NaN.
    const poisoned = { ...session, cuts: null } as Session;
    const nan = () => tf.fill([1, 7 * 7 * 224], NaN) as tf.Tensor2D;
    const clean = (seed: number) => tf.randomUniform([1, 7 * 7 * 224], 0, 2, 'float32', seed) as tf.Tensor2D;
    poisoned.cuts = { blocks: 1, viewKinds: 'flip+crop+rotate+colour', rows: new Map(twoIds.map((id, i) => [id, { plain: clean(i), mirror: null, views: [nan(), nan()] }])) };
    const finite = async (r: Awaited<ReturnType<typeof adapt>>) => {
      const values = await Promise.all(r.adapted!.variables.map((v) => v.data()));
      free(r);
      return values.every((a) => a.every(Number.isFinite));
    };
    const before = decoded;
    try {
      expect(await finite(await adapt({ augmentViews: 0, adaptEpochs: 3 }, poisoned))).toBe(true);
      expect(await finite(await adapt({ augmentViews: 2, adaptEpochs: 3 }, poisoned))).toBe(false);
      expect(decoded).toBe(before); // every activation came from the cache
    } finally {
      disposeCuts(poisoned.cuts);
    }
  }, 300_000);
});

describe('Adapt: auto, Stop and the budget', () => {
  // Eight images a class, two of each held out. Each class's activations at the cut are their own pattern,
  // and the frozen embeddings are what the blocks as pre-trained make of them, so the head alone and the
  // adapted network start as the same function. A held-out image whose frozen embedding is the other
  // class's (the backbone misreads it) is answered right only through the blocks; one whose activations at
  // the cut are the other class's, only by the head alone.
  const n = 16;
  const autoIds = Array.from({ length: n }, (_, i) => `auto-${i}`);
  const autoLabels = autoIds.map((_, i) => (i < n / 2 ? 0 : 1));
  const autoRows = autoIds.map((_, i) => i);
  const autoSettings = {
    ...DEFAULT_HEAD_SETTINGS, epochs: 30, learningRate: 0.01, hiddenUnits: 8, validationFraction: 0.25, mirrorAugment: false, testTimeFlip: false,
    adaptBlocks: 1, adaptEpochs: 2, adaptChoice: 'auto' as 'auto' | 'always', refitOnAll: false,
  };
  const pattern = (label: number) => tf.tidy(() => tf.randomUniform([1, 7 * 7 * 224], label === 0 ? 0 : 1.5, label === 0 ? 0.5 : 3, 'float32', 40 + label)) as tf.Tensor2D;
  let heldOut: number[];

  beforeAll(async () => {
    // Which positions the fit holds out (seeded: the same in every fit below).
    const probe = tf.randomNormal([n, 1792], 0, 1, 'float32', 9) as tf.Tensor2D;
    const fit = await fitHead({ plain: probe, rows: autoRows, labels: autoLabels, numClasses: 2, settings: { ...autoSettings, epochs: 1 } });
    heldOut = fit.positions;
    fit.head.dispose();
    probe.dispose();
  });

  /** `cutOf(p)` and `frozenOf(p)`: the class whose pattern position p has at the cut and in the frozen embedding. */
  async function adaptCase(cutOf: (p: number) => number, frozenOf: (p: number) => number, patch: Partial<typeof autoSettings> = {}, extra: Partial<Parameters<typeof adaptBlocks>[1]> = {}) {
    const run = { ...autoSettings, ...patch };
    const s = { ...session, cuts: { blocks: 1, viewKinds: '', rows: new Map(autoIds.map((id, p) => [id, { plain: pattern(cutOf(p)), mirror: null, views: [] }])) }, cutsComputed: 0 } as unknown as Session;
    const pre = copyBlocks(session.twin!, 1);
    const patterns = tf.tidy(() => tf.concat([pattern(0), pattern(1)])) as tf.Tensor2D;
    const embedded = embedFromCut(pre, patterns);
    const plain = tf.tidy(() => tf.gather(embedded, autoIds.map((_, p) => frozenOf(p)))) as tf.Tensor2D;
    tf.dispose([patterns, embedded]);
    disposeBlocks(pre);
    const reports: EpochReport[] = [];
    try {
      const fit = await fitHead({ plain, rows: autoRows, labels: autoLabels, numClasses: 2, settings: run });
      const headAlone = fit.head.getWeights().map((w) => w.dataSync().slice());
      const result = await adaptBlocks(s, { blocks: 1, ids: autoIds, labels: autoLabels, numClasses: 2, settings: run, fit, plain, rows: autoRows, shouldStop: () => false, onEpoch: (r) => reports.push(r), ...extra });
      return { fit, result, reports, headAlone, s };
    } finally {
      plain.dispose();
      disposeCuts(s.cuts);
    }
  }
  const label = (p: number) => autoLabels[p];
  const other = (p: number) => 1 - autoLabels[p];
  const isHeldOut = (p: number) => heldOut.includes(p);

  it('keeps the adapted network when it answers more held-out images right, the head alone when it answers fewer; no tensor left across two runs', async () => {
    expect(heldOut).toHaveLength(4);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      // The backbone misreads the held-out images; their activations at the cut are right: the blocks win.
      const wins = await adaptCase(label, (p) => (isHeldOut(p) ? other(p) : label(p)));
      expect(wins.fit.answers.predicted).toEqual(heldOut.map(other)); // the head alone: every held-out image wrong
      expect(wins.result.choice).toMatchObject({ kept: 'adapted', total: 4, headCorrect: 0, adaptedCorrect: 4, parts: ['expanded_conv_16', 'Conv_1'] });
      expect(wins.result.choice.reason).toBe('adapting 1 block: 100% of held-out images right; head only: 0%. Kept the adapted blocks.');
      expect(wins.result.adapted).not.toBeNull();
      expect(wins.result.answers.predicted).toEqual(heldOut.map(label));
      free(wins.result);

      // The held-out images' activations at the cut are the other class's; the frozen embedding is right: the head wins.
      const loses = await adaptCase((p) => (isHeldOut(p) ? other(p) : label(p)), label);
      expect(loses.result.choice).toMatchObject({ kept: 'head', total: 4, headCorrect: 4, adaptedCorrect: 0 });
      expect(loses.result.choice.reason).toBe('adapting 1 block: 0% of held-out images right; head only: 100%. Kept the head only.');
      expect(loses.result.adapted).toBeNull();
      // The head alone as it was before adapting (not the copy that adapted), answering as it did.
      expect(loses.result.head).toBe(loses.fit.head);
      expect(loses.result.head.getWeights().map((w) => w.dataSync().slice())).toEqual(loses.headAlone);
      expect(loses.result.answers).toEqual(loses.fit.answers);
      free(loses.result);
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('with a final fit on all images, the head kept is refit alone (no blocks adapt again); Adapt: always keeps the losing blocks', async () => {
    const before = tf.memory().numTensors;
    const loses = await adaptCase((p) => (isHeldOut(p) ? other(p) : label(p)), label, { refitOnAll: true });
    expect(loses.result).toMatchObject({ adapted: null, refit: true });
    expect(loses.result.head).not.toBe(loses.fit.head);
    expect(loses.reports.some((r) => r.phase === 'final')).toBe(true);
    expect(loses.reports.some((r) => r.phase === 'adapt-final')).toBe(false);
    free(loses.result);
    const always = await adaptCase((p) => (isHeldOut(p) ? other(p) : label(p)), label, { adaptChoice: 'always' });
    expect(always.result.choice).toMatchObject({ mode: 'always', kept: 'adapted', headCorrect: 4, adaptedCorrect: 0 });
    expect(always.result.choice.reason).toBe('adapting 1 block: 0% of held-out images right; head only: 100%. Kept the adapted blocks anyway (Adapt: always).');
    expect(always.result.adapted).not.toBeNull();
    free(always.result);
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('says the cost from one measured step before adapting, with the time left after each pass; Stop while adapting keeps the head alone', async () => {
    const before = tf.memory().numTensors;
    let stop = false;
    const reports: EpochReport[] = [];
    const stopped = await adaptCase(label, (p) => (isHeldOut(p) ? other(p) : label(p)), { adaptEpochs: 3 }, {
      shouldStop: () => stop,
      onEpoch: (r) => {
        reports.push(r);
        if (r.phase === 'adapt' && r.epoch === 1) stop = true;
      },
    });
    // The estimate came first: 12 training images, one step a pass (batch 16), three passes.
    const estimate = reports.find((r) => r.phase === 'adapt' && r.epoch === 0);
    expect(estimate?.estimate).toMatchObject({ steps: 3 });
    expect(estimate!.estimate!.stepMs).toBeGreaterThan(0);
    expect(estimate!.estimate!.ms).toBeCloseTo(3 * estimate!.estimate!.stepMs);
    const first = reports.find((r) => r.phase === 'adapt' && r.epoch === 1);
    expect(first!.msLeft).toBeCloseTo(2 * first!.ms);
    // Stopped after the first pass: the blocks that would have won are dropped, the head alone stays as it was.
    expect(stopped.result.choice).toMatchObject({ kept: 'head', stopped: true });
    expect(stopped.result.choice.reason).toBe('Adapting 1 block was stopped, so the head alone was kept (its figures are shown).');
    expect(stopped.result.adapted).toBeNull();
    expect(stopped.result.head).toBe(stopped.fit.head);
    expect(stopped.result.head.getWeights().map((w) => w.dataSync().slice())).toEqual(stopped.headAlone);
    expect(stopped.result.answers).toEqual(stopped.fit.answers);
    free(stopped.result);
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('with no image held out, auto keeps the head alone without adapting (nothing to compare on)', async () => {
    const before = tf.memory().numTensors;
    const none = await adaptCase(label, label, { validationFraction: 0 });
    expect(none.fit.scope).toBe('training');
    expect(none.result.choice).toMatchObject({ kept: 'head', total: 0 });
    expect(none.result.choice.reason).toBe('No images were held out to compare on, so auto kept the head only (adapting 1 block was not checked).');
    expect(none.result).toMatchObject({ adapted: null, tuned: null });
    expect(none.result.head).toBe(none.fit.head);
    expect(none.reports).toEqual([]);
    free(none.result);
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('refuses a cut-point cache over its budget with the sizes named, and keeps the head alone, nothing computed', async () => {
    const before = tf.memory().numTensors;
    const refused = await adaptCase(label, label, {}, { budgetBytes: 2 ** 20 / 4 });
    expect(refused.result.choice).toMatchObject({ kept: 'head', refused: true });
    expect(refused.result.choice.reason).toMatch(/^Adapting 1 block would keep 1 MB of activations for 16 images \(1 view each\), more than the 0 MB allowed, so only the head was trained/);
    expect(refused.result.adapted).toBeNull();
    expect(refused.result.head).toBe(refused.fit.head);
    expect(refused.s.cutsComputed).toBe(0);
    expect(refused.reports.filter((r) => r.phase !== 'measure')).toEqual([]);
    free(refused.result);
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);
});
