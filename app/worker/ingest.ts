/**
 * Ingest: samples in → decoded, hashed, embedded once (or their stored embedding reused), cached,
 * and reported to the page batch by batch; each image's mirror is computed behind (mirrors.ts).
 * Also the cache's other edits (forget, relabel).
 * Bad files and duplicates never throw; a batch that fails as a whole gives its hashes back.
 */
import * as tf from '@tensorflow/tfjs';
import { EMBED_BATCH } from '../ml/backbones';
import { embeddingKey, embeddingRows, getEmbeddings, putEmbeddings } from '../platform/db';
import type { DecodedImage } from './decode';
import type { IngestBatch, SampleInput, SampleResult } from './protocol';
import { forgetMirrorPixels, keepMirrorPixels, mirrorsBehind } from './mirrors';
import { currentSession, decode, embedDecoded, exclusive, forgetCuts, forgetViews, originalsOf, ready, yieldToEvents, type Session } from './session';
import { warmFitWorker } from './fitElsewhere';

/** An image's stored embeddings: as seen, and mirrored left-right when that was saved too. */
interface Views {
  plain: Float32Array;
  mirror: Float32Array | undefined;
}

interface Prepared {
  sample: SampleInput;
  hash: string;
  /** The embeddings saved by an earlier session, if any: then nothing is decoded or embedded (a missing mirror is owed). */
  stored: Views | undefined;
  thumbnail: Blob;
  image: DecodedImage | null;
}

/** Ingest jobs the page cancelled (checked between batches). */
const cancelled = new Set<string>();

/**
 * Embeddings already computed for these hashes (by any earlier session), from IndexedDB: an image
 * counts as stored with its embedding as seen; its mirror, when not saved, is computed behind.
 */
async function storedEmbeddings(s: Session, hashes: string[]): Promise<(Views | undefined)[]> {
  if (!s.persist || hashes.length === 0) return hashes.map(() => undefined);
  const spec = s.backbone.spec;
  const views = ['plain', 'mirror'] as const;
  const found = await getEmbeddings(views.flatMap((view) => hashes.map((h) => embeddingKey(spec.id, spec.preprocessVersion, h, view))));
  return hashes.map((_, i) => {
    const [plain, mirror] = [found[i], found[hashes.length + i]];
    return plain ? { plain, mirror } : undefined;
  });
}

/** Gives back the hashes these samples claimed, so the images can be added again later. */
function releaseHashes(s: Session, owners: { sample: SampleInput; hash: string }[]): void {
  for (const { sample, hash } of owners) if (s.byHash.get(hash)?.id === sample.id) s.byHash.delete(hash);
}

function forgetHashes(s: Session, ids: Set<string>): void {
  for (const [hash, owner] of s.byHash) if (ids.has(owner.id)) s.byHash.delete(hash);
}

/** The sample's file: as given, or (a restored sample) its stored original. */
async function fileOf(s: Session, sample: SampleInput): Promise<Blob> {
  const blob = sample.blob ?? (await originalsOf(s, [sample.id]))[0]?.blob;
  if (!blob) throw new Error('its original file is not in the browser storage');
  return blob;
}

/**
 * Hashes and decodes a batch, refuses duplicates (of the project or within the batch) and looks up
 * stored embeddings. New files go to the decoder before the first await, so they are hashed and
 * decoded beside the embedding of the batch before (see decoder.ts). Bad files go to `fail`, never throw.
 */
async function prepareBatch(s: Session, batch: SampleInput[], fail: (sample: SampleInput, error: string) => void): Promise<Prepared[]> {
  const size = s.backbone.spec.inputSize;
  const uncached = batch.filter((sample) => !s.cache.has(sample.id));
  // A saved sample (hash and thumbnail known) is decoded only if its embedding is gone.
  const started = uncached.map((sample) => (sample.hash && sample.thumbnail ? null : sample.blob ? decode(sample.blob, size) : fileOf(s, sample).then((blob) => decode(blob, size))));
  const outcomes = await Promise.all(
    uncached.map(async (sample, i) => {
      try {
        const decoded = await started[i];
        return { sample, hash: decoded?.hash ?? (sample.hash as string), image: decoded?.image ?? null };
      } catch (error) {
        fail(sample, (error as Error).message);
        return null;
      }
    }),
  );
  const unique: { sample: SampleInput; hash: string; image: DecodedImage | null }[] = [];
  for (const outcome of outcomes) {
    if (!outcome) continue;
    const twin = s.byHash.get(outcome.hash);
    if (twin) fail(outcome.sample, `it is the same image as "${twin.name}", already in the project`);
    else {
      s.byHash.set(outcome.hash, { id: outcome.sample.id, name: outcome.sample.name });
      unique.push(outcome);
    }
  }
  let known: (Views | undefined)[];
  try {
    known = await storedEmbeddings(s, unique.map((u) => u.hash));
  } catch (error) {
    releaseHashes(s, unique);
    throw error;
  }
  const prepared = await Promise.all(
    unique.map(async ({ sample, hash, image }, i) => {
      try {
        const stored = known[i];
        if (stored && sample.thumbnail) return { sample, hash, stored, thumbnail: sample.thumbnail, image: null };
        const decoded = image ?? (await decode(await fileOf(s, sample), size)).image;
        return { sample, hash, stored, thumbnail: decoded.thumbnail, image: decoded };
      } catch (error) {
        s.byHash.delete(hash);
        fail(sample, (error as Error).message);
        return null;
      }
    }),
  );
  return prepared.filter((p) => p !== null);
}

/** Rows of stored embeddings as one [n, dim] matrix. */
function storedMatrix(values: Float32Array[], dim: number): tf.Tensor2D {
  const flat = new Float32Array(values.length * dim);
  values.forEach((v, i) => flat.set(v, i * dim));
  return tf.tensor2d(flat, [values.length, dim]);
}

/**
 * Embeds (or reuses the stored embeddings of) one prepared batch and appends it to the cache. Each
 * image is embedded as seen; its mirror (mirror augmentation, test-time flip), unless stored, is
 * owed and computed behind (mirrors.ts), from the pixels kept here for the first few.
 */
function cacheBatch(s: Session, good: Prepared[], saving: Promise<unknown>[]): Promise<void> | void {
  const toEmbed = good.filter((g) => !g.stored);
  const reused = good.filter((g) => g.stored).map((g) => ({ id: g.sample.id, classId: g.sample.classId, ...(g.stored as Views) }));
  const dim = s.cache.dim;
  if (reused.length > 0) {
    s.cache.add(reused.map((r) => r.id), reused.map((r) => r.classId), storedMatrix(reused.map((r) => r.plain), dim));
    const mirrored = s.cache.mirrored ? reused.filter((r) => r.mirror) : [];
    if (mirrored.length > 0) s.cache.addMirrors(mirrored.map((r) => r.id), storedMatrix(mirrored.map((r) => r.mirror as Float32Array), dim));
  }
  if (toEmbed.length === 0) return;
  const plain = embedDecoded(s.backbone, toEmbed.map((g) => g.image as DecodedImage));
  s.embeddingsComputed += toEmbed.length;
  s.cache.add(toEmbed.map((g) => g.sample.id), toEmbed.map((g) => g.sample.classId), plain);
  if (s.cache.mirrored) for (const g of toEmbed) keepMirrorPixels(s, g.sample.id, (g.image as DecodedImage).pixels);
  if (!s.persist) return;
  return plain.data().then((values) => {
    // A cache: if storage is full the image still works now and is re-embedded after a reload.
    saving.push(putEmbeddings(embeddingRows(s.backbone.spec, 'plain', toEmbed.map((g) => g.hash), values as Float32Array)).catch(() => undefined));
  });
}

/**
 * Decodes, embeds (batched, once per image ever: embeddings are kept in IndexedDB by content hash)
 * and caches samples. Each batch's results (accepted with thumbnail and hash, or refused with the
 * reason) go to `onBatch` as soon as the batch is cached. `cancelIngest(jobId)` stops it between
 * batches: what was not reported yet is not cached and its hashes are given back.
 */
export function ingest(jobId: string, samples: SampleInput[], onBatch?: (batch: IngestBatch) => void | Promise<void>): Promise<void> {
  const run = exclusive(async () => {
    const s = ready();
    let pending: SampleResult[] = [];
    const fail = (sample: SampleInput, error: string) => pending.push({ id: sample.id, name: sample.name, ok: false, error });
    const batches: SampleInput[][] = [];
    for (let start = 0; start < samples.length; start += EMBED_BATCH) batches.push(samples.slice(start, start + EMBED_BATCH));
    const saving: Promise<unknown>[] = [];
    let done = 0;
    let last: void | Promise<void> = undefined;
    // Decoding the next batch (off-thread in the browser) overlaps embedding the current one.
    let next = batches.length > 0 ? prepareBatch(s, batches[0], fail) : null;
    try {
      for (let k = 0; k < batches.length && next; k++) {
        const good = await next;
        if (cancelled.has(jobId)) {
          releaseHashes(s, good);
          next = null;
          break;
        }
        next = k + 1 < batches.length ? prepareBatch(s, batches[k + 1], fail) : null;
        try {
          await cacheBatch(s, good, saving);
        } catch (error) {
          s.cache.remove(good.map((g) => g.sample.id));
          forgetMirrorPixels(s, good.map((g) => g.sample.id));
          releaseHashes(s, good);
          throw error;
        }
        for (const g of good) {
          pending.push({ id: g.sample.id, name: g.sample.name, ok: true, thumbnail: g.thumbnail, hash: g.hash });
          // Without storage, the worker keeps the files it will need to decode again (augmented views, fine-tuning).
          if (s.originals && g.sample.blob) s.originals.set(g.sample.id, g.sample.blob);
        }
        done += batches[k].length;
        const results = pending;
        pending = [];
        // Batches are sent without waiting for the page; the last is awaited (below), so every report
        // has arrived before this call returns (the callback's port is not the one this call answers on).
        last = onBatch?.({ done, total: samples.length, results });
        await yieldToEvents();
      }
    } finally {
      // A batch prepared ahead of a failure or cancellation gives its hashes back.
      if (next) releaseHashes(s, await next.catch(() => []));
      cancelled.delete(jobId);
    }
    await last;
    await Promise.all(saving);
  });
  // The mirrors of what was added are computed once the worker is idle; heads will train soon.
  const behind = () => {
    mirrorsBehind(true);
    const s = currentSession();
    if (s) warmFitWorker(s.baseUrl);
  };
  run.then(behind, behind);
  return run;
}

/** Asks a running ingest to stop before its next batch. Not exclusive: it must run during the ingest. */
export function cancelIngest(jobId: string): void {
  cancelled.add(jobId);
}

/** Takes samples out of the cache and gives back their hashes. */
export function forget(ids: string[]): Promise<void> {
  return exclusive(async () => {
    const s = ready();
    s.cache.remove(ids);
    forgetCuts(s, ids);
    forgetViews(s, ids);
    forgetMirrorPixels(s, ids);
    forgetHashes(s, new Set(ids));
    for (const id of ids) s.originals?.delete(id);
  });
}

/** Files cached samples under another class (their embeddings stay as they are). */
export function relabel(ids: string[], classId: string): Promise<void> {
  return exclusive(async () => ready().cache.relabel(ids, classId));
}
