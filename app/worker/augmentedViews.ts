/**
 * Augmented views in the app (settings.augmentViews = K > 0): each training image's K views
 * (app/ml/augment.ts, drawn from the image's content hash, so always the same views) are embedded by
 * the backbone once ever: kept in the worker (session.views) for later trainings, saved in IndexedDB
 * beside the image's own embeddings (key view `aug-<kinds>-<i>`), so a reload reads them back and
 * recomputes nothing. Only missing views are computed, from the original stored in IndexedDB.
 * The head then learns from one of each image's views per epoch (fitHead's `augmented`).
 */
import * as tf from '@tensorflow/tfjs';
import { AUGMENT_LIMITS, augmentBatch, viewsOf, type AugmentSettings } from '../ml/augment';
import type { HeadSettings } from '../ml/settings';
import { embeddingKey, getEmbeddings, putEmbeddings } from '../platform/db';
import type { DecodedImage } from './decode';
import { decodeStored, disposeViews, hashesById, toBatch, yieldToEvents, type Session } from './session';

export const AUGMENT_KINDS = ['flip', 'crop', 'rotate', 'colour'] as const;
export type AugmentKind = (typeof AUGMENT_KINDS)[number];

/** The augment.ts settings the head settings ask for. */
export function augmentOf(settings: HeadSettings): AugmentSettings {
  return { views: settings.augmentViews, flip: settings.augmentFlip, crop: settings.augmentCrop, rotate: settings.augmentRotate, colour: settings.augmentColour };
}

/** The kinds switched on, in a fixed order (what keys and the summary name). */
export function kindsOf(augment: AugmentSettings): AugmentKind[] {
  return AUGMENT_KINDS.filter((k) => augment[k]);
}

/** The IndexedDB view name of an image's i-th augmented view with these kinds: `aug-flip+crop-3`. */
export function viewName(augment: AugmentSettings, index: number): `aug-${string}` {
  return `aug-${kindsOf(augment).join('+') || 'none'}-${index}`;
}

/** Where views (and fine-tuning's cut activations) come from and go besides the worker's memory: IndexedDB and the stored originals (tests pass their own). */
export interface ViewStore {
  load(keys: string[]): Promise<(Float32Array | undefined)[]>;
  save(entries: [string, Float32Array][]): Promise<void>;
  originals(ids: string[]): Promise<{ id: string; image: DecodedImage }[]>;
}

/** The app's store: IndexedDB's embeddings store and the stored originals, decoded. */
export const browserStore = (s: Session): ViewStore => ({
  load: getEmbeddings,
  save: putEmbeddings,
  originals: (ids) => decodeStored(s, ids),
});

export interface EnsureResult {
  /** Views the backbone computed now, and those read back from IndexedDB. */
  computed: number;
  loaded: number;
}

/**
 * Makes sure each image has its first K views in session.views: from memory, else IndexedDB, else
 * computed (and saved; a failed save is fine, as for embeddings). `onProgress(done, total)` counts images.
 */
export async function ensureViews(
  s: Session,
  ids: readonly string[],
  augment: AugmentSettings,
  onProgress?: (done: number, total: number) => void,
  store: ViewStore = browserStore(s),
  shouldStop?: () => boolean,
): Promise<EnsureResult> {
  const k = augment.views;
  if (!Number.isInteger(k) || k < 1 || k > AUGMENT_LIMITS.maxViews) throw new Error(`Use 0 to ${AUGMENT_LIMITS.maxViews} augmented views, not ${k}.`);
  const kinds = kindsOf(augment).join('+');
  if (s.views && s.views.kinds !== kinds) {
    disposeViews(s.views);
    s.views = null;
  }
  const cache = (s.views ??= { kinds, rows: new Map() });
  const hashOf = hashesById(s);
  const spec = s.backbone.spec;
  const key = (id: string, i: number) => embeddingKey(spec.id, spec.preprocessVersion, hashOf.get(id) ?? id, viewName(augment, i));
  const missing = ids.filter((id) => (cache.rows.get(id)?.length ?? 0) < k);
  const result: EnsureResult = { computed: 0, loaded: 0 };
  const dim = spec.featureDim;
  for (let start = 0; start < missing.length; start += 16) {
    // Stopped: the views made so far are kept (and saved); the others are made next time.
    if (shouldStop?.()) break;
    const batchIds = missing.slice(start, start + 16);
    // 1. IndexedDB: the views an earlier session computed.
    if (s.persist) {
      const wanted = batchIds.flatMap((id) => {
        const have = cache.rows.get(id)?.length ?? 0;
        return Array.from({ length: k - have }, (_, j) => ({ id, i: have + j }));
      });
      const found = await store.load(wanted.map(({ id, i }) => key(id, i))).catch(() => wanted.map(() => undefined));
      for (let w = 0; w < wanted.length; w++) {
        const { id, i } = wanted[w];
        const row = cache.rows.get(id) ?? [];
        const values = found[w];
        // Only the next view in order: the i-th view is always at index i.
        if (values && values.length === dim && row.length === i) {
          row.push(tf.tensor2d(values, [1, dim]));
          cache.rows.set(id, row);
          result.loaded++;
        }
      }
    }
    // 2. The rest from the originals.
    const toCompute = batchIds.filter((id) => (cache.rows.get(id)?.length ?? 0) < k);
    if (toCompute.length > 0) {
      const originals = await store.originals(toCompute);
      if (originals.length !== toCompute.length) throw new Error('some images are not in the browser storage, so their augmented views cannot be made; reload the page and train again');
      const saves: [string, Float32Array][] = [];
      for (const { id, image } of originals) {
        const row = cache.rows.get(id) ?? [];
        const have = row.length;
        const views = viewsOf(hashOf.get(id) ?? id, augment).slice(have);
        const embedded = tf.tidy(() => s.backbone.embed(augmentBatch(toBatch(s.backbone, [image]), [views])));
        const values = (await embedded.data()) as Float32Array;
        const split = tf.split(embedded, views.length) as tf.Tensor2D[];
        embedded.dispose();
        row.push(...split);
        cache.rows.set(id, row);
        result.computed += views.length;
        s.viewsComputed += views.length;
        views.forEach((_, j) => saves.push([key(id, have + j), values.slice(j * dim, (j + 1) * dim)]));
      }
      if (s.persist) await store.save(saves).catch(() => undefined);
    }
    onProgress?.(Math.min(start + batchIds.length, missing.length), missing.length);
    await yieldToEvents();
  }
  return result;
}

/**
 * The views of these images as fitHead takes them: one matrix [images·K, dim] (image p's views at rows
 * p·K…), and for a cache row the rows showing its image. The caller disposes the matrix.
 */
export function augmentedFor(s: Session, ids: readonly string[], cacheRows: readonly number[], k: number): { matrix: tf.Tensor2D; rowsOf: (row: number) => number[] } {
  const cache = s.views;
  if (!cache) throw new Error('the augmented views are not prepared');
  const matrix = tf.concat(ids.flatMap((id) => cache.rows.get(id)!.slice(0, k))) as tf.Tensor2D;
  const byRow = new Map(cacheRows.map((r, p) => [r, Array.from({ length: k }, (_, j) => p * k + j)]));
  return { matrix, rowsOf: (row) => byRow.get(row) ?? [] };
}

/** Bytes the views of these images take in the worker: images × K × dim × 4. */
export function viewBytes(images: number, k: number, dim: number): number {
  return images * k * dim * 4;
}
