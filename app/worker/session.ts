/**
 * The worker's loaded state (backbone, embedding cache, trained head, hash index) and the two
 * primitives every worker job uses: `exclusive` (one job at a time on the cache and head) and
 * `yieldToEvents` (lets queued messages such as stop() or cancel() run between batches).
 */
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../ml/backbone';
import type { EmbeddingCache } from '../ml/embeddingCache';
import { pixelsToBatch } from '../ml/preprocess';
import type { DecodedImage } from './decode';
import { createDecoder } from './decoder';

export interface Session {
  backbone: Backbone;
  cache: EmbeddingCache;
  head: tf.LayersModel | null;
  headClassIds: string[];
  /** Whether the head predicts from the average of each image and its mirror (its settings' testTimeFlip). */
  headTestTimeFlip: boolean;
  embeddingsComputed: number;
  /** Content hash → the sample holding that image, to refuse duplicates. */
  byHash: Map<string, { id: string; name: string }>;
  persist: boolean;
  baseUrl: string;
}

let session: Session | null = null;
let busy: Promise<unknown> = Promise.resolve();

/** Decodes images beside this worker (see decoder.ts). */
export const decode = createDecoder();

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
  session = next;
}

/** Runs jobs that touch the cache or head one at a time, in call order. */
export function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const run = busy.then(job, job);
  busy = run.catch(() => undefined);
  return run;
}

const channel = new MessageChannel();
/** Lets queued messages (such as stop() or cancel()) run between batches. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** The decoded images as one float batch [n, size, size, 3]. */
export function toBatch(backbone: Backbone, images: DecodedImage[]): tf.Tensor4D {
  return pixelsToBatch(images.map((img) => img.pixels), backbone.spec.inputSize);
}

export function embedDecoded(backbone: Backbone, images: DecodedImage[]): tf.Tensor2D {
  return tf.tidy(() => backbone.embed(toBatch(backbone, images)));
}

/** Embeddings of the images as seen and mirrored left-right (the batch reversed along its width). */
export function embedBothViews(backbone: Backbone, images: DecodedImage[]): { plain: tf.Tensor2D; mirror: tf.Tensor2D } {
  return tf.tidy(() => {
    const batch = toBatch(backbone, images);
    return { plain: backbone.embed(batch), mirror: backbone.embed(tf.reverse(batch, 2)) };
  });
}
