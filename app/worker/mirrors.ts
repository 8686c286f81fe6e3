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
import { embeddingRows, putEmbeddings } from '../platform/db';
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

/** An owed image's decoded pixels. */
interface Owed {
  id: string;
  pixels: Float32Array;
}

/**
 * The pixels of these owed images: kept ones, else their stored originals decoded again (in the
 * decode worker; nothing here touches the cache, so it may run beside another job). Images whose
 * original is not stored are left out.
 */
async function loadOwed(s: Session, ids: readonly string[]): Promise<Owed[]> {
  const kept = ids.flatMap((id) => {
    const pixels = s.mirrorPixels.get(id);
    return pixels ? [{ id, pixels }] : [];
  });
  const decoded = await decodeStored(s, ids.filter((id) => !s.mirrorPixels.has(id)));
  return [...kept, ...decoded.map(({ id, image }) => ({ id, pixels: image.pixels }))];
}

/** Embeds, saves and caches the mirrors of those images still owed (inside an exclusive job). */
async function addOwed(s: Session, loaded: Owed[]): Promise<void> {
  const owed = new Set(s.cache.missingMirrors());
  const images = loaded.filter(({ id }) => owed.has(id));
  if (images.length === 0) return;
  const size = s.backbone.spec.inputSize;
  const mirrored = tf.tidy(() => s.backbone.embed(tf.reverse(pixelsToBatch(images.map((i) => i.pixels), size), 2)) as tf.Tensor2D);
  const values = (await mirrored.data()) as Float32Array;
  // Saved before they are cached, so a mirror no longer owed is one a reload finds.
  if (s.persist) {
    const hashes = hashesById(s);
    // A cache: if storage is full the mirror still works now and is computed again after a reload.
    await putEmbeddings(embeddingRows(s.backbone.spec, 'mirror', images.map(({ id }) => hashes.get(id)), values)).catch(() => undefined);
  }
  s.cache.addMirrors(images.map((i) => i.id), mirrored);
  s.mirrorsComputed += images.length;
  forgetMirrorPixels(s, images.map((i) => i.id));
}

/**
 * Computes every mirror still owed (a job that needs them all calls it inside its own exclusive job),
 * a batch at a time, the next batch's originals decoded while this one is embedded, with
 * `onProgress(done, total)` before the first and after each batch. Returns how many it computed;
 * once `shouldStop()` says so it ends before the next batch, the rest still owed.
 * Throws, naming the image, when one's original is not stored.
 */
export async function ensureMirrors(s: Session, onProgress?: (done: number, total: number) => void, shouldStop?: () => boolean): Promise<number> {
  const owed = s.cache.missingMirrors();
  if (owed.length === 0) return 0;
  onProgress?.(0, owed.length);
  const batches: string[][] = [];
  for (let start = 0; start < owed.length; start += EMBED_BATCH) batches.push(owed.slice(start, start + EMBED_BATCH));
  let next = loadOwed(s, batches[0]);
  let done = 0;
  for (let k = 0; k < batches.length; k++) {
    if (shouldStop?.()) {
      // Stopped between batches: those computed are kept (and saved); the rest stay owed.
      await next.catch(() => undefined);
      return done;
    }
    const loaded = await next;
    if (k + 1 < batches.length) next = loadOwed(s, batches[k + 1]);
    const found = new Set(loaded.map((o) => o.id));
    const missing = batches[k].find((id) => !found.has(id));
    if (missing !== undefined) {
      await next.catch(() => undefined);
      const name = [...s.byHash.values()].find((owner) => owner.id === missing)?.name ?? 'an image';
      throw new Error(`the mirrored view of "${name}" could not be computed: its original file is not in the browser storage`);
    }
    await addOwed(s, loaded);
    done += batches[k].length;
    onProgress?.(done, owed.length);
    await yieldToEvents();
  }
  return owed.length;
}

/** Owed images whose original was not there when tried behind (not saved yet): tried again after the next ingest. */
const skipped = new Set<string>();

/**
 * Computes owed mirrors behind: once nothing has been asked of the worker for MIRRORS_IDLE_MS, a
 * small batch per job, again and again until none is owed (the next batch decoded while this one
 * is embedded); a job asked for meanwhile runs before the next batch, and the worker must be idle
 * again before another starts. Called after each ingest (`retry`: try again the images whose
 * original was missing, not saved yet when tried).
 */
export function mirrorsBehind(retry = false): void {
  if (retry) skipped.clear();
  if (running) return;
  running = true;
  void behind().finally(() => (running = false));
}

let running = false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A batch of owed images whose pixels are being loaded. */
interface Batch {
  s: Session;
  ids: string[];
  loaded: Promise<Owed[]>;
}

function nextBatch(s: Session): Batch | null {
  const ids = s.cache.missingMirrors().filter((id) => !skipped.has(id)).slice(0, BEHIND_BATCH);
  return ids.length === 0 ? null : { s, ids, loaded: loadOwed(s, ids) };
}

async function behind(): Promise<void> {
  // The next batch, decoded while the worker is free for whatever is asked next.
  const ahead: { batch: Batch | null } = { batch: null };
  try {
    for (;;) {
      while (idleMs() < MIRRORS_IDLE_MS) await sleep(MIRRORS_IDLE_MS - idleMs());
      const s = currentSession();
      const batch = ahead.batch && ahead.batch.s === s ? ahead.batch : s ? nextBatch(s) : null;
      ahead.batch = null;
      if (!s || !batch) return;
      const loaded = await batch.loaded;
      for (const id of batch.ids) if (!loaded.some((o) => o.id === id)) skipped.add(id);
      await exclusive(
        async () => {
          if (currentSession() !== s) return;
          await addOwed(s, loaded);
          ahead.batch = nextBatch(s);
        },
        { behind: true },
      );
    }
  } catch {
    // Tried again after the next ingest; a job that needs the mirrors computes them itself.
  } finally {
    await ahead.batch?.loaded.catch(() => undefined);
  }
}
