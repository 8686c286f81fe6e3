/**
 * The worker's loaded state (backbone, embedding cache, trained head, hash index) and the two
 * primitives every worker job uses: `exclusive` (one job at a time on the cache and head) and
 * `yieldToEvents` (lets queued messages such as stop() or cancel() run between batches).
 */
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../ml/backbone';
import { disposeBlocks, type AdaptedBlocks } from '../ml/blocks';
import type { EmbeddingCache } from '../ml/embeddingCache';
import { pixelsToBatch } from '../ml/preprocess';
import { getOriginals } from '../platform/db';
import { rgbaToPixels } from '../ml/imageInput';
import type { DecodedImage, ModelInput } from './decode';
import { createDecoder } from './decoder';
import type { PredictInput } from './protocol';

export interface Session {
  backbone: Backbone;
  cache: EmbeddingCache;
  head: tf.LayersModel | null;
  headClassIds: string[];
  /** Whether the head predicts from the average of each image and its mirror (its settings' testTimeFlip). */
  headTestTimeFlip: boolean;
  /** The last blocks adapted with the head (fine-tuning); null when the head predicts from the frozen backbone. */
  adapted: AdaptedBlocks | null;
  /** The backbone's layers twin, loaded the first time blocks are adapted (fineTuning.ts). */
  twin: tf.LayersModel | null;
  /** Each image's cut-point activations (fineTuning.ts), computed once for adapting blocks. */
  cuts: CutCache | null;
  /** Each image's augmented views' embeddings (augmentedViews.ts), computed or read back once. */
  views: ViewCache | null;
  embeddingsComputed: number;
  /** Mirrors (an image flipped left-right) the backbone computed since the worker started, behind the ingest or before training (mirrors.ts). */
  mirrorsComputed: number;
  /** Decoded pixels of a few images whose mirror is still owed (mirrors.ts); the others are decoded again from their originals. */
  mirrorPixels: Map<string, Float32Array>;
  /** Augmented views the backbone computed since the worker started (each view of each image once ever). */
  viewsComputed: number;
  /** Cut-point activations (an image, its mirror or a view) the layers twin computed since the worker started. */
  cutsComputed: number;
  /** Content hash → the sample holding that image, to refuse duplicates. */
  byHash: Map<string, { id: string; name: string }>;
  persist: boolean;
  /** Without storage (persist false): each sample's original file, by sample id, for decodeStored. */
  originals: Map<string, Blob> | null;
  baseUrl: string;
}

/**
 * Cut-point activations [1, h·w·c] per sample id, as seen, mirrored and in its augmented views, for one
 * cut (one block count); the views are those of `viewKinds` (augmentedViews.ts's kinds, joined by +).
 */
export interface CutCache {
  blocks: number;
  viewKinds: string;
  rows: Map<string, CutRow>;
}

export interface CutRow {
  plain: tf.Tensor2D;
  mirror: tf.Tensor2D | null;
  /** The image's augmented views' activations, view i at index i. */
  views: tf.Tensor2D[];
}

export function disposeCutRow(row: CutRow): void {
  row.plain.dispose();
  row.mirror?.dispose();
  tf.dispose(row.views);
}

/** Bytes of the cut-point cache (every row's activations, its mirror's and its views'). */
export function cutCacheBytes(cuts: CutCache | null): number {
  let floats = 0;
  cuts?.rows.forEach((row) => (floats += row.plain.size + (row.mirror?.size ?? 0) + row.views.reduce((n, v) => n + v.size, 0)));
  return floats * 4;
}

/** Sample id → the content hash it was added under (what seeds its augmented views). */
export function hashesById(s: Session): Map<string, string> {
  const out = new Map<string, string>();
  for (const [hash, owner] of s.byHash) out.set(owner.id, hash);
  return out;
}

export function disposeCuts(cuts: CutCache | null): void {
  cuts?.rows.forEach(disposeCutRow);
}

/** Drops deleted samples' cut-point activations. */
export function forgetCuts(s: Session, ids: readonly string[]): void {
  for (const id of ids) {
    const row = s.cuts?.rows.get(id);
    if (!row) continue;
    disposeCutRow(row);
    s.cuts?.rows.delete(id);
  }
}

/** Forgets the adapted blocks and the cut cache (a reset; the twin stays loaded). */
export function dropAdapted(s: Session): void {
  if (s.adapted) disposeBlocks(s.adapted);
  s.adapted = null;
  disposeCuts(s.cuts);
  s.cuts = null;
}

/** Each image's augmented views embedded so far ([1, dim] each, view i at index i), for one set of kinds. */
export interface ViewCache {
  kinds: string;
  rows: Map<string, tf.Tensor2D[]>;
}

export function disposeViews(views: ViewCache | null): void {
  views?.rows.forEach((row) => tf.dispose(row));
}

/** Drops deleted samples' augmented views. */
export function forgetViews(s: Session, ids: readonly string[]): void {
  for (const id of ids) {
    const row = s.views?.rows.get(id);
    if (!row) continue;
    tf.dispose(row);
    s.views?.rows.delete(id);
  }
}

/** Forgets the augmented views (a reset). */
export function dropViews(s: Session): void {
  disposeViews(s.views);
  s.views = null;
}

let session: Session | null = null;
let busy: Promise<unknown> = Promise.resolve();
/** Jobs queued or running, and when the last one asked for by the page (not `behind`) ended. */
let jobs = 0;
let lastAsked = 0;

/** Decodes images beside this worker (see decoder.ts). */
export const decode = createDecoder();

/** The original files of these samples: from IndexedDB, or the worker's memory without storage; samples no longer there are left out. */
export async function originalsOf(s: Session, ids: string[]): Promise<{ id: string; blob: Blob }[]> {
  const held = s.originals;
  if (!held) return getOriginals(ids);
  return ids.flatMap((id) => {
    const blob = held.get(id);
    return blob ? [{ id, blob }] : [];
  });
}

/** The stored originals of these samples, decoded; samples no longer stored are left out. */
export async function decodeStored(s: Session, ids: string[]): Promise<{ id: string; image: DecodedImage }[]> {
  const stored = await originalsOf(s, ids);
  return Promise.all(stored.map(async (sample) => ({ id: sample.id, image: (await decode(sample.blob, s.backbone.spec.inputSize)).image })));
}

/**
 * The backbone's input for what Preview and the live camera classify: a file is decoded (in the decode
 * worker); a camera frame's pixels, already the model's size, are used as they are.
 */
export async function inputPixels(s: Session, input: PredictInput): Promise<ModelInput> {
  const size = s.backbone.spec.inputSize;
  if (input instanceof Blob) return (await decode(input, size)).image;
  if (input.size !== size) throw new Error(`the camera frame is ${input.size} px square where the model takes ${size} px`);
  return { pixels: rgbaToPixels(input.rgba, size) };
}

export function ready(): Session {
  if (!session) throw new Error('The model is not loaded yet.');
  return session;
}

export function currentSession(): Session | null {
  return session;
}

/** Replaces the session, freeing the tensors of the one before. */
export function replaceSession(next: Session): void {
  session?.backbone.dispose();
  session?.cache.dispose();
  session?.head?.dispose();
  if (session) {
    dropAdapted(session);
    dropViews(session);
  }
  session?.twin?.dispose();
  session = next;
}

/**
 * Runs jobs that touch the cache or head one at a time, in call order. A `behind` job (work the
 * worker gives itself, mirrors.ts) does not count as activity for `idleMs`.
 */
export function exclusive<T>(job: () => Promise<T>, options: { behind?: boolean } = {}): Promise<T> {
  jobs++;
  const counted = async () => {
    try {
      return await job();
    } finally {
      jobs--;
      if (!options.behind) lastAsked = performance.now();
    }
  };
  const run = busy.then(counted, counted);
  busy = run.catch(() => undefined);
  return run;
}

/** How long no job has been queued or running (0 while one is), counting only jobs the page asked for. */
export function idleMs(): number {
  return jobs > 0 ? 0 : performance.now() - lastAsked;
}

export { yieldToEvents } from './yieldToEvents';

/** The decoded images as one float batch [n, size, size, 3]. */
export function toBatch(backbone: Backbone, images: ModelInput[]): tf.Tensor4D {
  return pixelsToBatch(images.map((img) => img.pixels), backbone.spec.inputSize);
}

export function embedDecoded(backbone: Backbone, images: ModelInput[]): tf.Tensor2D {
  return tf.tidy(() => backbone.embed(toBatch(backbone, images)));
}

/** Embeddings of the images as seen and mirrored left-right (the batch reversed along its width). */
export function embedBothViews(backbone: Backbone, images: ModelInput[]): { plain: tf.Tensor2D; mirror: tf.Tensor2D } {
  return tf.tidy(() => {
    const batch = toBatch(backbone, images);
    return { plain: backbone.embed(batch), mirror: backbone.embed(tf.reverse(batch, 2)) };
  });
}
