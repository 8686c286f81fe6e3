import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../ml/backbone';
import { BACKBONES } from '../ml/backbones';
import { EmbeddingCache } from '../ml/embeddingCache';
import { seededRandom } from '../ml/random';
import { DEFAULT_HEAD_SETTINGS } from '../ml/settings';
import { diskModel } from '../ml/testing';
import { checkLabels, stopLabelCheck } from './labelCheck';
import { keepMirrorPixels } from './mirrors';
import type { EpochReport, TrainRequest } from './protocol';
import { replaceSession, type Session } from './session';
import { predict, stop, train } from './training';

// The worker's training and Check labels jobs on the wasm backend with the real backbone, no storage: Stop
// pressed while the mirrors still owed are computed, before any head is trained (mirrors.ts, training.ts, labelCheck.ts).
const spec = BACKBONES.mobilenet_v2_140;
const size = spec.inputSize;
const request: TrainRequest = { classIds: ['a', 'b'], settings: { ...DEFAULT_HEAD_SETTINGS, epochs: 2, hiddenUnits: 8, validationFraction: 0.25 } };
let s: Session;
let added = 0;

/** Adds n images of a class: embedded as seen (random rows: only the mirrors matter here), mirrors owed. */
function addImages(classId: string, n: number): void {
  const random = seededRandom(100 + added);
  const ids = Array.from({ length: n }, (_, i) => `${classId}-${added + i}`);
  added += n;
  s.cache.add(ids, ids.map(() => classId), tf.randomNormal([n, spec.featureDim], classId === 'a' ? 1 : -1, 1, 'float32', added) as tf.Tensor2D);
  for (const id of ids) keepMirrorPixels(s, id, Float32Array.from({ length: size * size * 3 }, () => random()));
}

const frame = { rgba: new Uint8ClampedArray(size * size * 4).fill(128), size };
const trainWith = (onEpoch: (r: EpochReport) => void) => train(request, onEpoch);

beforeAll(async () => {
  setWasmPaths(join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
  const backbone = await loadBackbone(spec, diskModel(join(__dirname, '..', '..', 'public', 'models', spec.folder)));
  s = {
    backbone, cache: new EmbeddingCache(spec.featureDim, { mirrored: true }), head: null, headClassIds: [], headTestTimeFlip: false,
    adapted: null, twin: null, cuts: null, views: null, embeddingsComputed: 0, mirrorsComputed: 0, mirrorPixels: new Map(),
    viewsComputed: 0, cutsComputed: 0, byHash: new Map(), persist: false, originals: new Map(), baseUrl: 'http://localhost/',
  };
  replaceSession(s);
}, 120_000);

afterAll(() => {
  s.backbone.dispose();
  s.cache.dispose();
  s.head?.dispose();
});

describe('Stop pressed while the mirrors still owed are computed, before training', () => {
  it('trains nothing: the model trained before still predicts, and the mirrors computed so far are kept', async () => {
    addImages('a', 4);
    addImages('b', 4);
    expect(await trainWith(() => undefined)).not.toBeNull();
    const trained = s.head;
    expect(s.cache.missingMirrors()).toHaveLength(0);

    // 20 more images: their mirrors are two batches (EMBED_BATCH 16).
    addImages('a', 20);
    const tensors = tf.memory().numTensors;
    // Stop as the mirrors start: none is computed, nothing is trained, no tensor is left behind.
    expect(await trainWith((r) => r.phase === 'mirrors' && r.epoch === 0 && stop())).toBeNull();
    expect(s.head).toBe(trained);
    expect(s.cache.missingMirrors()).toHaveLength(20);
    expect(tf.memory().numTensors).toBe(tensors);

    // Stop after the first batch: its 16 mirrors are kept, 4 still owed.
    const computed = s.mirrorsComputed;
    expect(await trainWith((r) => r.phase === 'mirrors' && r.epoch > 0 && stop())).toBeNull();
    expect(s.head).toBe(trained);
    expect(s.mirrorsComputed - computed).toBe(16);
    expect(s.cache.missingMirrors()).toHaveLength(4);
    // The model trained before answers, for the classes it was trained on.
    expect((await predict(frame)).map((c) => c.classId).sort()).toEqual(['a', 'b']);

    // Train again, not stopped: the 4 owed are computed, then a new head is trained on all 28.
    const phases: EpochReport['phase'][] = [];
    const summary = await trainWith((r) => phases.push(r.phase));
    expect(summary?.stopped).toBe(false);
    expect(s.head).not.toBe(trained);
    expect(s.mirrorsComputed - computed).toBe(20);
    expect(s.cache.missingMirrors()).toHaveLength(0);
    expect(phases).toContain('final');
  }, 180_000);
});

describe('Stop pressed while Check labels finishes the mirrors still owed', () => {
  it('judges nothing, says it stopped, and keeps the mirrors computed so far', async () => {
    addImages('b', 20);
    const computed = s.mirrorsComputed;
    const result = await checkLabels({ classIds: ['a', 'b'], settings: request.settings }, (p) => p.phase === 'mirrors' && p.done > 0 && stopLabelCheck());
    expect(result).toMatchObject({ stopped: true, suspects: [], flagged: 0, duplicates: [] });
    expect(s.mirrorsComputed - computed).toBe(16);
    expect(s.cache.missingMirrors()).toHaveLength(4);
    // Not stopped: the rest are computed and every image is judged.
    const full = await checkLabels({ classIds: ['a', 'b'], settings: request.settings, folds: 2 });
    expect(full.stopped).toBe(false);
    expect(full.suspects).toHaveLength(48);
    expect(s.cache.missingMirrors()).toHaveLength(0);
  }, 180_000);
});
