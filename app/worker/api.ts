/// <reference lib="webworker" />
/**
 * The worker's API: everything that touches TF.js. The UI reaches it only through
 * client.ts (Comlink); `WorkerApi` below is the type the UI sees.
 */
import * as tf from '@tensorflow/tfjs';
import { loadBackbone, type Backbone } from '../ml/backbone';
import { DEFAULT_BACKBONE_ID, getBackboneSpec, type BackboneSpec } from '../ml/backbones';
import { EmbeddingCache } from '../ml/embeddingCache';
import { createHead, predictRows, predictHead, trainHead } from '../ml/head';
import { computeMetrics } from '../ml/metrics';
import { rgbaToBatch } from '../ml/preprocess';
import { chooseBackend } from './backend';
import { decodeImage, type DecodedImage } from './decode';
import type {
  ClassScore,
  EpochReport,
  IngestProgress,
  InitOptions,
  MemoryInfo,
  ModelInfo,
  SampleInput,
  SampleResult,
  TrainRequest,
  TrainSummary,
} from './protocol';

/** Images embedded per backbone call: large enough to amortise per-call overhead, small enough for memory. */
const EMBED_BATCH = 16;

interface State {
  backbone: Backbone;
  cache: EmbeddingCache;
  head: tf.Sequential | null;
  headClassIds: string[];
  embeddingsComputed: number;
}

let state: State | null = null;
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

function embedDecoded(backbone: Backbone, images: DecodedImage[]): tf.Tensor2D {
  const size = backbone.spec.inputSize;
  const bytes = new Uint8ClampedArray(images.length * size * size * 4);
  images.forEach((img, i) => bytes.set(img.rgba, i * size * size * 4));
  return tf.tidy(() => backbone.embed(rgbaToBatch(bytes, images.length, size)));
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

export const api = {
  async init(options: InitOptions): Promise<ModelInfo> {
    const started = performance.now();
    const spec = getBackboneSpec(options.backboneId ?? DEFAULT_BACKBONE_ID);
    const url = new URL(`models/${spec.folder}/model.json`, options.baseUrl).href;
    const choice = await chooseBackend(options.backend, options.baseUrl, options.remembered, () => timeWarmup(spec, url));
    state?.backbone.dispose();
    state?.cache.dispose();
    state?.head?.dispose();
    const backbone = await loadBackbone(spec, url);
    state = { backbone, cache: new EmbeddingCache(spec.featureDim), head: null, headClassIds: [], embeddingsComputed: 0 };
    return {
      choice,
      backbone: { id: spec.id, label: spec.label, featureDim: spec.featureDim, paramCount: backbone.paramCount, inputSize: spec.inputSize },
      loadMs: performance.now() - started,
    };
  },

  /** Decodes, embeds (batched, once per image) and caches samples. Bad files are reported, never thrown. */
  addSamples(samples: SampleInput[], onProgress?: (p: IngestProgress) => void): Promise<SampleResult[]> {
    return exclusive(async () => {
      const s = ready();
      const results: SampleResult[] = [];
      for (let start = 0; start < samples.length; start += EMBED_BATCH) {
        const batch = samples.slice(start, start + EMBED_BATCH);
        const decoded = await Promise.all(
          batch.map(async (sample) => {
            try {
              return { sample, image: await decodeImage(sample.blob, s.backbone.spec.inputSize) };
            } catch (error) {
              results.push({ id: sample.id, name: sample.name, ok: false, error: (error as Error).message });
              return null;
            }
          }),
        );
        const good = decoded.filter((d): d is { sample: SampleInput; image: DecodedImage } => d !== null && !s.cache.has(d.sample.id));
        if (good.length > 0) {
          const embeddings = embedDecoded(s.backbone, good.map((g) => g.image));
          s.cache.add(good.map((g) => g.sample.id), good.map((g) => g.sample.classId), embeddings);
          s.embeddingsComputed += good.length;
          for (const g of good) results.push({ id: g.sample.id, name: g.sample.name, ok: true, thumbnail: g.image.thumbnail });
        }
        await yieldToEvents();
        onProgress?.({ done: Math.min(start + batch.length, samples.length), total: samples.length });
      }
      return results;
    });
  },

  removeSamples(ids: string[]): Promise<void> {
    return exclusive(async () => ready().cache.remove(ids));
  },

  moveSamples(ids: string[], classId: string): Promise<void> {
    return exclusive(async () => ready().cache.relabel(ids, classId));
  },

  removeClass(classId: string): Promise<void> {
    return exclusive(async () => ready().cache.removeClass(classId));
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
      const head = createHead(s.cache.dim, request.classIds.length, request.settings);
      const features = s.cache.matrix();
      let outcome;
      try {
        outcome = await trainHead({
          head,
          features,
          rows,
          labels,
          numClasses: request.classIds.length,
          settings: request.settings,
          onEpoch,
          shouldStop: () => stopRequested,
          yieldToEvents,
        });
      } catch (error) {
        head.dispose();
        throw error;
      }
      s.head?.dispose();
      s.head = head;
      s.headClassIds = request.classIds.slice();
      const scope = outcome.validation.length > 0 ? 'validation' : 'training';
      const positions = scope === 'validation' ? outcome.validation : rows.map((_, i) => i);
      const predicted = await predictRows(head, features, positions.map((p) => rows[p]));
      const metrics = computeMetrics(positions.map((p) => labels[p]), predicted, request.classIds.length);
      return {
        stopped: outcome.stopped,
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
      const image = await decodeImage(blob, s.backbone.spec.inputSize);
      const probs = tf.tidy(() => predictHead(s.head as tf.Sequential, embedDecoded(s.backbone, [image])));
      const values = await probs.data();
      probs.dispose();
      return s.headClassIds
        .map((classId, i) => ({ classId, probability: values[i] }))
        .sort((a, b) => b.probability - a.probability);
    });
  },

  memory(): MemoryInfo {
    const m = tf.memory();
    return {
      numTensors: m.numTensors,
      numBytes: m.numBytes,
      cachedEmbeddings: state?.cache.size ?? 0,
      cacheBytes: state?.cache.bytes ?? 0,
      embeddingsComputed: state?.embeddingsComputed ?? 0,
    };
  },
};

export type WorkerApi = typeof api;
