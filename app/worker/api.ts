/// <reference lib="webworker" />
/**
 * The worker's API: everything that touches TF.js. The UI reaches it only through
 * client.ts (Comlink); `WorkerApi` below is the type the UI sees.
 */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { loadBackbone, type Backbone } from '../ml/backbone';
import { DEFAULT_BACKBONE_ID, EMBED_BATCH, getBackboneSpec, type BackboneSpec } from '../ml/backbones';
import { EmbeddingCache } from '../ml/embeddingCache';
import { createHead, predictRows, predictHead, trainHead } from '../ml/head';
import { computeMetrics } from '../ml/metrics';
import { pixelsToBatch } from '../ml/preprocess';
import { embeddingKey, getEmbeddings, loadHead, putEmbeddings, saveHead } from '../platform/db';
import { chooseBackend } from './backend';
import { bareThroughput, fineTuneSteps, headEpochMs, type FineTuneBench, type HeadBench } from './bench';
import type { DecodedImage } from './decode';
import { createDecoder } from './decoder';
import type {
  ClassScore,
  EpochReport,
  IngestBatch,
  InitOptions,
  MemoryInfo,
  ModelInfo,
  SampleInput,
  SampleResult,
  TrainRequest,
  TrainSummary,
} from './protocol';

interface State {
  backbone: Backbone;
  cache: EmbeddingCache;
  head: tf.LayersModel | null;
  headClassIds: string[];
  embeddingsComputed: number;
  /** Content hash → the sample holding that image, to refuse duplicates. */
  byHash: Map<string, { id: string; name: string }>;
  persist: boolean;
  baseUrl: string;
}

let state: State | null = null;
/** Decodes images beside this worker (see decoder.ts). */
const decode = createDecoder();
let stopRequested = false;
let busy: Promise<unknown> = Promise.resolve();

function ready(): State {
  if (!state) throw new Error('The model is not loaded yet.');
  return state;
}

/** Runs jobs that touch the cache or head one at a time, in call order. */
function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const run = busy.then(job, job);
  busy = run.catch(() => undefined);
  return run;
}

/** Lets queued messages (such as stop()) run between training batches. */
const channel = new MessageChannel();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** The decoded images as one float batch [n, size, size, 3]. */
function toBatch(backbone: Backbone, images: DecodedImage[]): tf.Tensor4D {
  return pixelsToBatch(images.map((img) => img.pixels), backbone.spec.inputSize);
}

function embedDecoded(backbone: Backbone, images: DecodedImage[]): tf.Tensor2D {
  return tf.tidy(() => backbone.embed(toBatch(backbone, images)));
}

/** Embeddings already computed for these hashes (by any earlier session), from IndexedDB. */
async function storedEmbeddings(s: State, hashes: string[]): Promise<(Float32Array | undefined)[]> {
  if (!s.persist || hashes.length === 0) return hashes.map(() => undefined);
  const spec = s.backbone.spec;
  return getEmbeddings(hashes.map((h) => embeddingKey(spec.id, spec.preprocessVersion, h)));
}

function forgetHashes(s: State, ids: Set<string>): void {
  for (const [hash, owner] of s.byHash) if (ids.has(owner.id)) s.byHash.delete(hash);
}

async function persistHead(head: tf.LayersModel, summary: TrainSummary): Promise<void> {
  await head.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      if (!artifacts.modelTopology || !artifacts.weightSpecs || !(weightData instanceof ArrayBuffer)) throw new Error('could not serialise the head');
      await saveHead({ topology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData, classIds: summary.classIds, summary });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

async function timeWarmup(spec: BackboneSpec, url: string): Promise<number> {
  const backbone = await loadBackbone(spec, url);
  try {
    const started = performance.now();
    const out = tf.tidy(() => backbone.embed(tf.zeros([1, spec.inputSize, spec.inputSize, 3])));
    await out.data();
    out.dispose();
    return performance.now() - started;
  } finally {
    backbone.dispose();
  }
}

interface Prepared {
  sample: SampleInput;
  hash: string;
  /** The embedding saved by an earlier session, if any: then nothing is decoded or embedded. */
  stored: Float32Array | undefined;
  thumbnail: Blob;
  image: DecodedImage | null;
}

/**
 * Hashes and decodes a batch, refuses duplicates (of the project or within the batch) and looks up
 * stored embeddings. New files go to the decoder before the first await, so they are hashed and
 * decoded beside the embedding of the batch before (see decoder.ts). Bad files go to `fail`, never throw.
 */
async function prepareBatch(s: State, batch: SampleInput[], fail: (sample: SampleInput, error: string) => void): Promise<Prepared[]> {
  const size = s.backbone.spec.inputSize;
  const fresh = batch.filter((sample) => !s.cache.has(sample.id));
  // A saved sample (hash and thumbnail known) is decoded only if its embedding is gone.
  const started = fresh.map((sample) => (sample.hash && sample.thumbnail ? null : decode(sample.blob, size)));
  const outcomes = await Promise.all(
    fresh.map(async (sample, i) => {
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
  const known = await storedEmbeddings(s, unique.map((u) => u.hash));
  const prepared = await Promise.all(
    unique.map(async ({ sample, hash, image }, i) => {
      try {
        const stored = known[i];
        if (stored && sample.thumbnail) return { sample, hash, stored, thumbnail: sample.thumbnail, image: null };
        const decoded = image ?? (await decode(sample.blob, size)).image;
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

export const api = {
  /** Picks the backend and loads the backbone. `onFatal` hears of a lost GPU device. */
  async init(options: InitOptions, onFatal?: (reason: string) => void): Promise<ModelInfo> {
    const started = performance.now();
    const spec = getBackboneSpec(options.backboneId ?? DEFAULT_BACKBONE_ID);
    const url = new URL(`models/${spec.folder}/model.json`, options.baseUrl).href;
    const choice = await chooseBackend(options.backend, options.baseUrl, options.remembered, () => timeWarmup(spec, url), options.avoid);
    const device = (tf.backend() as { device?: { lost?: Promise<{ message: string }> } }).device;
    void device?.lost?.then((info) => onFatal?.(`the GPU device was lost (${info.message || 'no reason given'})`));
    state?.backbone.dispose();
    state?.cache.dispose();
    state?.head?.dispose();
    const backbone = await loadBackbone(spec, url);
    state = {
      backbone,
      cache: new EmbeddingCache(spec.featureDim),
      head: null,
      headClassIds: [],
      embeddingsComputed: 0,
      byHash: new Map(),
      persist: options.persist ?? true,
      baseUrl: options.baseUrl,
    };
    return {
      choice,
      backbone: { id: spec.id, label: spec.label, featureDim: spec.featureDim, paramCount: backbone.paramCount, inputSize: spec.inputSize },
      loadMs: performance.now() - started,
    };
  },

  /**
   * Decodes, embeds (batched, once per image ever: embeddings are kept in IndexedDB by content hash)
   * and caches samples. Each batch's results (accepted with thumbnail and hash, or refused with the
   * reason) go to `onBatch` as soon as the batch is cached; bad files and duplicates never throw.
   */
  addSamples(samples: SampleInput[], onBatch?: (batch: IngestBatch) => void | Promise<void>): Promise<void> {
    return exclusive(async () => {
      const s = ready();
      let pending: SampleResult[] = [];
      const fail = (sample: SampleInput, error: string) => pending.push({ id: sample.id, name: sample.name, ok: false, error });
      const batches: SampleInput[][] = [];
      for (let start = 0; start < samples.length; start += EMBED_BATCH) batches.push(samples.slice(start, start + EMBED_BATCH));
      const saving: Promise<unknown>[] = [];
      let done = 0;
      // Decoding the next batch (off-thread in the browser) overlaps embedding the current one.
      let next = batches.length > 0 ? prepareBatch(s, batches[0], fail) : null;
      for (let k = 0; k < batches.length; k++) {
        const good = await (next as Promise<Prepared[]>);
        next = k + 1 < batches.length ? prepareBatch(s, batches[k + 1], fail) : null;
        const fresh = good.filter((g) => !g.stored);
        const reused = good.filter((g) => g.stored);
        const dim = s.cache.dim;
        if (fresh.length > 0) {
          const embeddings = embedDecoded(s.backbone, fresh.map((g) => g.image as DecodedImage));
          s.embeddingsComputed += fresh.length;
          if (s.persist) {
            const values = (await embeddings.data()) as Float32Array;
            const spec = s.backbone.spec;
            // A cache: if storage is full the image still works now and is re-embedded after a reload.
            saving.push(
              putEmbeddings(fresh.map((g, i) => [embeddingKey(spec.id, spec.preprocessVersion, g.hash), values.slice(i * dim, (i + 1) * dim)])).catch(() => undefined),
            );
          }
          s.cache.add(fresh.map((g) => g.sample.id), fresh.map((g) => g.sample.classId), embeddings);
        }
        if (reused.length > 0) {
          const flat = new Float32Array(reused.length * dim);
          reused.forEach((g, i) => flat.set(g.stored as Float32Array, i * dim));
          s.cache.add(reused.map((g) => g.sample.id), reused.map((g) => g.sample.classId), tf.tensor2d(flat, [reused.length, dim]));
        }
        for (const g of good) pending.push({ id: g.sample.id, name: g.sample.name, ok: true, thumbnail: g.thumbnail, hash: g.hash });
        done += batches[k].length;
        const results = pending;
        pending = [];
        const report = onBatch?.({ done, total: samples.length, results });
        // Batches are sent without waiting for the page; the last is awaited, so every report has
        // arrived before this call returns (the callback's port is not the one this call answers on).
        if (k === batches.length - 1) await report;
        else await yieldToEvents();
      }
      await Promise.all(saving);
    });
  },

  removeSamples(ids: string[]): Promise<void> {
    return exclusive(async () => {
      const s = ready();
      s.cache.remove(ids);
      forgetHashes(s, new Set(ids));
    });
  },

  moveSamples(ids: string[], classId: string): Promise<void> {
    return exclusive(async () => ready().cache.relabel(ids, classId));
  },

  /** Forgets every sample and the trained head (a new project); the backbone stays loaded. */
  reset(): Promise<void> {
    return exclusive(async () => {
      const s = ready();
      s.cache.dispose();
      s.cache = new EmbeddingCache(s.backbone.spec.featureDim);
      s.head?.dispose();
      s.head = null;
      s.headClassIds = [];
      s.byHash.clear();
    });
  },

  /** Brings back the head saved after the last training, if any. */
  restoreHead(): Promise<TrainSummary | null> {
    return exclusive(async () => {
      const s = ready();
      const stored = s.persist ? await loadHead() : null;
      if (!stored) return null;
      const head = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: stored.topology, weightSpecs: stored.weightSpecs as tf.io.WeightsManifestEntry[], weightData: stored.weightData }),
      );
      s.head?.dispose();
      s.head = head;
      s.headClassIds = stored.classIds;
      return stored.summary;
    });
  },

  /** Trains a new head on the cached embeddings. Only the head's variables reach the optimizer. */
  train(request: TrainRequest, onEpoch?: (report: EpochReport) => void): Promise<TrainSummary> {
    stopRequested = false;
    return exclusive(async () => {
      const s = ready();
      const started = performance.now();
      const { rows, labels } = s.cache.labelledRows(request.classIds);
      const present = new Set(labels);
      const empty = request.classIds.filter((_, i) => !present.has(i));
      if (empty.length > 0) throw new Error(`Every class needs at least one image (${empty.length} class(es) have none).`);
      const features = s.cache.matrix();
      const numClasses = request.classIds.length;
      const run = async (settings: TrainRequest['settings'], phase: EpochReport['phase']) => {
        const head = createHead(s.cache.dim, numClasses, settings);
        try {
          const outcome = await trainHead({
            head, features, rows, labels, numClasses, settings, phase, onEpoch,
            shouldStop: () => stopRequested,
            yieldToEvents,
          });
          return { head, outcome };
        } catch (error) {
          head.dispose();
          throw error;
        }
      };
      const measured = await run(request.settings, 'measure');
      const { outcome } = measured;
      const scope = outcome.validation.length > 0 ? 'validation' : 'training';
      const positions = scope === 'validation' ? outcome.validation : rows.map((_, i) => i);
      const predicted = await predictRows(measured.head, features, positions.map((p) => rows[p]));
      const metrics = computeMetrics(positions.map((p) => labels[p]), predicted, numClasses);
      let head = measured.head;
      let refit = false;
      if (request.settings.refitOnAll && scope === 'validation' && !outcome.stopped) {
        const final = await run({ ...request.settings, validationFraction: 0 }, 'final');
        if (final.outcome.stopped) final.head.dispose();
        else {
          measured.head.dispose();
          head = final.head;
          refit = true;
        }
      }
      s.head?.dispose();
      s.head = head;
      s.headClassIds = request.classIds.slice();
      const summary: TrainSummary = {
        stopped: outcome.stopped,
        refit,
        epochsRun: outcome.epochsRun,
        history: outcome.history,
        metrics: { ...metrics, scope },
        classIds: s.headClassIds,
        params: { frozen: s.backbone.paramCount, trainable: head.countParams() },
        headLayers: head.layers.map((layer) => ({
          name: layer.name,
          kind: layer.getClassName(),
          outputShape: JSON.stringify(layer.outputShape),
          params: layer.countParams(),
        })),
        optimizer: outcome.optimizer,
        trainMs: performance.now() - started,
      };
      if (s.persist) await persistHead(head, summary);
      return summary;
    });
  },

  /** Asks a running training to stop after its current batch. */
  stop(): void {
    stopRequested = true;
  },

  /** Class probabilities for one image, best first. */
  predict(blob: Blob): Promise<ClassScore[]> {
    return exclusive(async () => {
      const s = ready();
      if (!s.head) throw new Error('Train the model before predicting.');
      const { image } = await decode(blob, s.backbone.spec.inputSize);
      const head = s.head;
      const probs = tf.tidy(() => predictHead(head, embedDecoded(s.backbone, [image])));
      const values = await probs.data();
      probs.dispose();
      return s.headClassIds
        .map((classId, i) => ({ classId, probability: values[i] }))
        .sort((a, b) => b.probability - a.probability);
    });
  },

  /** `npm run bench`: images/s of the bare backbone on pre-made tensors. */
  benchBare(batch: number, images: number): Promise<number> {
    return exclusive(() => bareThroughput(ready().backbone, batch, images));
  },

  /** `npm run bench`: ms per epoch of the app's head loop ('ours') or the Teachable-Machine-style one ('tm'). */
  benchHead(loop: 'ours' | 'tm', n: number, epochs: number): Promise<HeadBench> {
    return exclusive(() => headEpochMs(loop, n, ready().cache.dim, 5, epochs));
  },

  /**
   * `npm run eval -- --dump`: embeddings of images without adding them to the project, as seen
   * and mirrored left-right, for offline analysis of head variants. Row-major [n, dim].
   */
  embedImages(blobs: Blob[]): Promise<{ dim: number; plain: Float32Array; mirrored: Float32Array }> {
    return exclusive(async () => {
      const { backbone } = ready();
      const dim = backbone.spec.featureDim;
      const plain = new Float32Array(blobs.length * dim);
      const mirrored = new Float32Array(blobs.length * dim);
      for (let start = 0; start < blobs.length; start += EMBED_BATCH) {
        const images = await Promise.all(blobs.slice(start, start + EMBED_BATCH).map(async (b) => (await decode(b, backbone.spec.inputSize)).image));
        const [a, b] = tf.tidy(() => {
          const batch = toBatch(backbone, images);
          return [backbone.embed(batch), backbone.embed(tf.reverse(batch, 2))];
        });
        plain.set(await a.data(), start * dim);
        mirrored.set(await b.data(), start * dim);
        tf.dispose([a, b]);
      }
      return Comlink.transfer({ dim, plain, mirrored }, [plain.buffer, mirrored.buffer]);
    });
  },

  /** `npm run bench`: fine-tuning step time (cached cut-point activations vs the full backbone). */
  benchFineTune(steps: number): Promise<FineTuneBench> {
    return exclusive(() => fineTuneSteps(new URL('models/mobilenet_v2_100_keras/model.json', ready().baseUrl).href, 'block_12_add', 8, steps));
  },

  /** The batch size the app embeds with. */
  embedBatch(): number {
    return EMBED_BATCH;
  },

  memory(): MemoryInfo {
    const m = tf.memory();
    return {
      numTensors: m.numTensors,
      numBytes: m.numBytes,
      cachedEmbeddings: state?.cache.size ?? 0,
      cacheBytes: state?.cache.bytes ?? 0,
      embeddingsComputed: state?.embeddingsComputed ?? 0,
      wasmHeapBytes: (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.buffer.byteLength ?? null,
    };
  },
};

export type WorkerApi = typeof api;
