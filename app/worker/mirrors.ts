/**
 * Each image's mirror (its embedding flipped left-right: mirror augmentation, test-time flip),
 * computed behind the ingest. An ingest embeds, reports and saves each image as seen; its mirror is
 * owed (EmbeddingCache.missingMirrors) and computed here, a small batch at a time once the worker
 * has been idle a while (`mirrorsBehind`), or all that are still owed before a job that needs them
 * (`ensureMirrors`: training, Check labels). Each is saved to IndexedDB as it is computed, so a
 * reload computes none; one still owed when the page closed is computed after the reload.
 */
import * as tf from '@tensorflow/tfjs';
import { EMBED_BATCH } from '../ml/backbones';
import { pixelsToBatch } from '../ml/preprocess';
import { embeddingKey, putEmbeddings } from '../platform/db';
import { currentSession, decodeStored, exclusive, hashesById, idleMs, yieldToEvents, type Session } from './session';

/** How long the worker must have had nothing asked of it before mirrors are computed behind. */
export const MIRRORS_IDLE_MS = 1000;
/** Mirrors computed per job behind: small, so a prediction or an ingest asked for meanwhile waits little. */
const BEHIND_BATCH = 8;
/** Owed images whose decoded pixels are kept (~0.6 MB each) so their mirror needs no second decode. */
const KEEP_PIXELS = 64;

/** Keeps an image's decoded pixels for its mirror, while fewer than KEEP_PIXELS are kept. */
export function keepMirrorPixels(s: Session, id: string, pixels: Float32Array): void {
  if (s.mirrorPixels.size < KEEP_PIXELS) s.mirrorPixels.set(id, pixels);
}

export function forgetMirrorPixels(s: Session, ids: readonly string[]): void {
  for (const id of ids) s.mirrorPixels.delete(id);
}

/**
 * Computes, caches and saves the mirrors of these owed images (from their kept pixels, else their
 * stored originals, decoded again). Returns the ids it could not compute: their original is not stored.
 */
async function computeMirrors(s: Session, ids: readonly string[]): Promise<string[]> {
  const kept = ids.flatMap((id) => {
    const pixels = s.mirrorPixels.get(id);
    return pixels ? [{ id, pixels }] : [];
  });
  const decoded = await decodeStored(s, ids.filter((id) => !s.mirrorPixels.has(id)));
  // Whatever was deleted while its original was read is no longer owed.
  const images = [...kept, ...decoded.map(({ id, image }) => ({ id, pixels: image.pixels }))].filter(({ id }) => s.cache.has(id));
  const done = new Set(images.map((i) => i.id));
  const missing = ids.filter((id) => !done.has(id) && s.cache.has(id));
  if (images.length === 0) return missing;
  const size = s.backbone.spec.inputSize;
  const mirrored = tf.tidy(() => s.backbone.embed(tf.reverse(pixelsToBatch(images.map((i) => i.pixels), size), 2)) as tf.Tensor2D);
  const values = (await mirrored.data()) as Float32Array;
  // Saved before they are cached, so a mirror no longer owed is one a reload finds.
  if (s.persist) {
    const spec = s.backbone.spec;
    const hashes = hashesById(s);
    const dim = s.cache.dim;
    const entries = images.flatMap(({ id }, i): [string, Float32Array][] => {
      const hash = hashes.get(id);
      return hash ? [[embeddingKey(spec.id, spec.preprocessVersion, hash, 'mirror'), values.slice(i * dim, (i + 1) * dim)]] : [];
    });
    // A cache: if storage is full the mirror still works now and is computed again after a reload.
    await putEmbeddings(entries).catch(() => undefined);
  }
  s.cache.addMirrors(images.map((i) => i.id), mirrored);
  s.mirrorsComputed += images.length;
  forgetMirrorPixels(s, [...done]);
  return missing;
}

/**
 * Computes every mirror still owed (a job that needs them all calls it inside its own exclusive job),
 * a batch at a time, with `onProgress(done, total)` before the first and after each batch.
 * Returns how many it computed. Throws, naming the image, when one's original is not stored.
 */
export async function ensureMirrors(s: Session, onProgress?: (done: number, total: number) => void): Promise<number> {
  const owed = s.cache.missingMirrors();
  if (owed.length === 0) return 0;
  onProgress?.(0, owed.length);
  for (let start = 0; start < owed.length; start += EMBED_BATCH) {
    const missing = await computeMirrors(s, owed.slice(start, start + EMBED_BATCH));
    if (missing.length > 0) {
      const name = [...s.byHash.values()].find((owner) => owner.id === missing[0])?.name ?? 'an image';
      throw new Error(`the mirrored view of "${name}" could not be computed: its original file is not in the browser storage`);
    }
    onProgress?.(Math.min(start + EMBED_BATCH, owed.length), owed.length);
    await yieldToEvents();
  }
  return owed.length;
}

let timer: ReturnType<typeof setTimeout> | null = null;
/** Owed images whose original was not there when tried behind (not saved yet): tried again after the next ingest. */
const skipped = new Set<string>();

/**
 * Computes owed mirrors behind: once nothing has been asked of the worker for MIRRORS_IDLE_MS, one
 * small batch per job, again and again until none is owed; a job asked for meanwhile runs before the
 * next batch. Called after each ingest (`retry`: try again the images whose original was missing).
 */
export function mirrorsBehind(retry = false): void {
  if (retry) skipped.clear();
  if (timer !== null) return;
  const wait = Math.max(0, MIRRORS_IDLE_MS - idleMs());
  timer = setTimeout(() => {
    timer = null;
    const s = currentSession();
    if (!s || !s.cache.missingMirrors().some((id) => !skipped.has(id))) return;
    if (idleMs() < MIRRORS_IDLE_MS) return mirrorsBehind();
    exclusive(
      async () => {
        if (currentSession() !== s) return;
        const batch = s.cache.missingMirrors().filter((id) => !skipped.has(id)).slice(0, BEHIND_BATCH);
        for (const id of await computeMirrors(s, batch)) skipped.add(id);
      },
      { behind: true },
    ).then(
      () => mirrorsBehind(),
      // Tried again after the next ingest; a job that needs the mirrors computes them itself.
      () => undefined,
    );
  }, wait);
}
