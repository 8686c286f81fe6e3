import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../ml/backbone';
import { BACKBONES } from '../ml/backbones';
import { NO_AUGMENT } from '../ml/augment';
import { augmentedFor, ensureViews, viewName, type ViewStore } from './augmentedViews';
import type { DecodedImage } from './decode';
import { dropViews, forgetViews, type Session } from './session';

// The worker's augmented-views path on the CPU backend: a stand-in backbone (each colour's mean over a
// 16×16 input, dim 3) and an in-memory store standing in for IndexedDB and the stored originals.
const SIZE = 16;
const ids = ['a', 'b', 'c'];
const augment = { ...NO_AUGMENT, views: 3 };
let originalsRead: string[] = [];
const saved = new Map<string, Float32Array>();
const store: ViewStore = {
  load: async (keys) => keys.map((k) => saved.get(k)),
  save: async (entries) => entries.forEach(([k, v]) => saved.set(k, v)),
  originals: async (wanted) => {
    originalsRead.push(...wanted);
    return wanted.map((id, i) => ({ id, image: { pixels: Float32Array.from({ length: SIZE * SIZE * 3 }, (_, j) => ((j * (i + 3)) % 17) / 17) } as DecodedImage }));
  },
};

function newSession(): Session {
  const spec = { ...BACKBONES.mobilenet_v2_140, inputSize: SIZE, featureDim: 3 };
  return {
    backbone: { spec, embed: (x: tf.Tensor4D) => x.mean([1, 2]) as tf.Tensor2D } as unknown as Backbone,
    views: null,
    viewsComputed: 0,
    byHash: new Map(ids.map((id) => [`hash-${id}`, { id, name: id }])),
    persist: true,
  } as unknown as Session;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => saved.clear());

describe('augmented views in the worker', () => {
  it('computes each view once, saves it under the image hash, reads it back after a "reload", and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const s = newSession();
    const first = await ensureViews(s, ids, augment, undefined, store);
    expect(first).toEqual({ computed: 9, loaded: 0 });
    expect(s.viewsComputed).toBe(9);
    expect(saved.size).toBe(9);
    expect([...saved.keys()]).toContain(`${BACKBONES.mobilenet_v2_140.id}|p${BACKBONES.mobilenet_v2_140.preprocessVersion}|hash-a|aug-flip+crop+rotate+colour-2`);
    // In memory: nothing computed or read again.
    expect(await ensureViews(s, ids, augment, undefined, store)).toEqual({ computed: 0, loaded: 0 });
    const { matrix, rowsOf } = augmentedFor(s, ids, [5, 6, 7], 3);
    expect(matrix.shape).toEqual([9, 3]);
    expect(rowsOf(6)).toEqual([3, 4, 5]);
    const values = await matrix.array();
    matrix.dispose();

    // A new worker (a reload): every view comes back from storage, the same numbers, no original is read.
    originalsRead = [];
    const again = newSession();
    expect(await ensureViews(again, ids, augment, undefined, store)).toEqual({ computed: 0, loaded: 9 });
    expect(originalsRead).toEqual([]);
    const back = augmentedFor(again, ids, [0, 1, 2], 3);
    expect(await back.matrix.array()).toEqual(values);
    back.matrix.dispose();

    // More views: only the new ones are computed (K = 3's views are a prefix of K = 5's).
    expect(await ensureViews(again, ids, { ...augment, views: 5 }, undefined, store)).toEqual({ computed: 6, loaded: 0 });
    // Other kinds are other views.
    expect(await ensureViews(again, ['a'], { ...augment, flip: false }, undefined, store)).toEqual({ computed: 3, loaded: 0 });
    expect(viewName({ ...augment, flip: false }, 0)).toBe('aug-crop+rotate+colour-0');

    // Stopped (Stop pressed while training prepares them): no view is made; the next call makes them.
    const stopped = newSession();
    originalsRead = [];
    expect(await ensureViews(stopped, ids, { ...augment, views: 6 }, undefined, store, () => true)).toEqual({ computed: 0, loaded: 0 });
    expect(originalsRead).toEqual([]);
    expect(await ensureViews(stopped, ids, { ...augment, views: 6 }, undefined, store, () => false)).toEqual({ computed: 3, loaded: 15 });
    dropViews(stopped);

    forgetViews(again, ['a']);
    expect(again.views?.rows.has('a')).toBe(false);
    dropViews(s);
    dropViews(again);
    expect(tf.memory().numTensors).toBe(before);
  });
});
