import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingCache } from './embeddingCache';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rows = (values: number[][]) => tf.tensor2d(values);

describe('EmbeddingCache', () => {
  let cache: EmbeddingCache;
  afterEach(() => cache.dispose());

  it('merges appended batches into one matrix, in order', async () => {
    cache = new EmbeddingCache(2);
    cache.add(['a', 'b'], ['x', 'x'], rows([[1, 1], [2, 2]]));
    cache.add(['c'], ['y'], rows([[3, 3]]));
    expect(cache.size).toBe(3);
    expect(await cache.matrix().array()).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(cache.labelledRows(['y', 'x'])).toEqual({ rows: [0, 1, 2], labels: [1, 1, 0] });
  });

  it('removes the rows of deleted samples', async () => {
    cache = new EmbeddingCache(2);
    cache.add(['a', 'b', 'c', 'd'], ['x', 'y', 'x', 'y'], rows([[1, 1], [2, 2], [3, 3], [4, 4]]));
    cache.remove(['b']);
    expect(cache.ids).toEqual(['a', 'c', 'd']);
    expect(await cache.matrix().array()).toEqual([[1, 1], [3, 3], [4, 4]]);
    cache.remove(['a', 'c']);
    expect(cache.ids).toEqual(['d']);
    expect(await cache.matrix().array()).toEqual([[4, 4]]);
    expect(cache.has('a')).toBe(false);
    cache.remove(['d']);
    expect(cache.size).toBe(0);
    expect(() => cache.matrix()).toThrow(/empty/);
  });

  it('moves samples between classes without touching their embeddings', async () => {
    cache = new EmbeddingCache(2);
    cache.add(['a', 'b'], ['x', 'x'], rows([[1, 1], [2, 2]]));
    cache.relabel(['b'], 'y');
    expect(cache.classOf('b')).toBe('y');
    expect(cache.labelledRows(['x', 'y']).labels).toEqual([0, 1]);
  });

  it('rejects a batch whose shape does not match, keeping what it had', () => {
    cache = new EmbeddingCache(2);
    cache.add(['a'], ['x'], rows([[1, 1]]));
    expect(() => cache.add(['b'], ['x'], tf.tensor2d([[1, 2, 3]]))).toThrow(/width 3/);
    expect(() => cache.add(['a'], ['x'], rows([[5, 5]]))).toThrow(/already cached/);
    expect(cache.size).toBe(1);
  });

  it("keeps each image's mirrored view row for row with it, through removals", async () => {
    cache = new EmbeddingCache(2, { mirrored: true });
    cache.add(['a', 'b'], ['x', 'y'], rows([[1, 1], [2, 2]]), rows([[-1, -1], [-2, -2]]));
    cache.add(['c'], ['x'], rows([[3, 3]]), rows([[-3, -3]]));
    cache.remove(['b']);
    expect(await cache.matrix().array()).toEqual([[1, 1], [3, 3]]);
    expect(await cache.mirrorMatrix().array()).toEqual([[-1, -1], [-3, -3]]);
    expect(cache.bytes).toBe(2 * 2 * 4 * 2);
    expect(() => cache.add(['d'], ['x'], rows([[4, 4]]), rows([[4, 4, 4]]))).toThrow(/mirrored view/);
    expect(cache.size).toBe(2);
    const plain = new EmbeddingCache(2);
    expect(() => plain.add(['d'], ['x'], rows([[4, 4]]), rows([[4, 4]]))).toThrow(/no mirrored view/);
    expect(() => plain.mirrorMatrix()).toThrow(/no mirrored view/);
    plain.dispose();
  });

  it('owes the mirrors of images added without them, oldest first, until each is added once', async () => {
    cache = new EmbeddingCache(2, { mirrored: true });
    cache.add(['a', 'b'], ['x', 'y'], rows([[1, 1], [2, 2]]));
    cache.add(['c'], ['x'], rows([[3, 3]]), rows([[-3, -3]]));
    cache.add(['d', 'e'], ['y', 'x'], rows([[4, 4], [5, 5]]));
    expect(cache.missingMirrors()).toEqual(['a', 'b', 'd', 'e']);
    expect(cache.bytes).toBe((5 + 1) * 2 * 4);
    expect(() => cache.mirrorMatrix()).toThrow(/mirrors of 4 image\(s\) are not computed yet/);
    // The plain matrix does not wait for mirrors.
    expect(await cache.matrix().array()).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    // Mirrors arrive in any order and in any grouping; each lands on its own image's row.
    cache.addMirrors(['d', 'a'], rows([[-4, -4], [-1, -1]]));
    expect(cache.missingMirrors()).toEqual(['b', 'e']);
    expect(() => cache.addMirrors(['a'], rows([[9, 9]]))).toThrow(/mirror of sample a is already cached/);
    expect(() => cache.addMirrors(['e', 'e'], rows([[9, 9], [9, 9]]))).toThrow(/mirror of sample e is already cached/);
    expect(() => cache.addMirrors(['zz'], rows([[9, 9]]))).toThrow(/not cached/);
    expect(() => cache.addMirrors(['b', 'e'], rows([[9, 9]]))).toThrow(/1 rows for 2 ids/);
    cache.remove(['b']);
    expect(cache.missingMirrors()).toEqual(['e']);
    cache.addMirrors(['e'], rows([[-5, -5]]));
    expect(cache.missingMirrors()).toEqual([]);
    expect(cache.ids).toEqual(['a', 'c', 'd', 'e']);
    expect(await cache.mirrorMatrix().array()).toEqual([[-1, -1], [-3, -3], [-4, -4], [-5, -5]]);
    cache.remove(['c']);
    expect(await cache.mirrorMatrix().array()).toEqual([[-1, -1], [-4, -4], [-5, -5]]);
    expect(await cache.matrix().array()).toEqual([[1, 1], [4, 4], [5, 5]]);
    expect(new EmbeddingCache(2).missingMirrors()).toEqual([]);
  });

  it('keeps the number of tensors steady while mirrors are owed, added and removed', () => {
    const before = tf.memory().numTensors;
    cache = new EmbeddingCache(2, { mirrored: true });
    for (let i = 0; i < 6; i++) cache.add([`s${i}`], ['x'], rows([[i, i]]));
    cache.matrix();
    cache.addMirrors(['s4', 's1'], rows([[-4, -4], [-1, -1]]));
    cache.remove(['s1', 's2']);
    expect(() => cache.addMirrors(['s4'], rows([[0, 0]]))).toThrow(/already cached/);
    cache.addMirrors(cache.missingMirrors(), rows([[0, 0], [-3, -3], [-5, -5]]));
    cache.mirrorMatrix();
    cache.mirrorMatrix();
    // Merged once: asking again makes no new tensor.
    const held = tf.memory().numTensors;
    cache.matrix();
    cache.mirrorMatrix();
    expect(tf.memory().numTensors).toBe(held);
    expect(held - before).toBe(2);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees every tensor it held', () => {
    const before = tf.memory().numTensors;
    cache = new EmbeddingCache(2);
    for (let i = 0; i < 5; i++) cache.add([`s${i}`], ['x'], rows([[i, i]]));
    cache.matrix();
    cache.remove(['s1', 's3']);
    cache.add(['s9'], ['y'], rows([[9, 9]]));
    cache.dispose();
    cache = new EmbeddingCache(2, { mirrored: true });
    for (let i = 0; i < 3; i++) cache.add([`s${i}`], ['x'], rows([[i, i]]), rows([[-i, -i]]));
    cache.mirrorMatrix();
    cache.remove(['s1']);
    expect(() => cache.add(['s0'], ['x'], rows([[0, 0]]), rows([[0, 0]]))).toThrow(/already cached/);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
