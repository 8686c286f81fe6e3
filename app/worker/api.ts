/// <reference lib="webworker" />
/**
 * The worker's API: everything that touches TF.js, behind one object. The UI reaches it only
 * through client.ts (Comlink); `WorkerApi` below is the type the UI sees. The jobs live by area:
 * session.ts (state, one job at a time), ingest.ts, training.ts, headStore.ts, benchApi.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { loadBackbone } from '../ml/backbone';
import { DEFAULT_BACKBONE_ID, getBackboneSpec, type BackboneSpec } from '../ml/backbones';
import { EmbeddingCache } from '../ml/embeddingCache';
import { chooseBackend } from './backend';
import { modelFilesApi } from './exportApi';
import { benchApi } from './benchApi';
import { restoreHead } from './headStore';
import { cancelIngest, forget, ingest, relabel } from './ingest';
import type { InitOptions, MemoryInfo, ModelInfo, ThreadsStage } from './protocol';
import { currentSession, cutCacheBytes, dropAdapted, dropViews, exclusive, ready, replaceSession } from './session';
import { predict, stop, train } from './training';
import { checkLabels, stopLabelCheck } from './labelCheck';
import { predictWithHeatMap, sampleHeatMap } from './heatMap';

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
  /**
   * Picks the backend and loads the backbone. `onFatal` hears of a lost GPU device; `onThreads` hears the
   * threaded wasm build's start begin and end, so the page can end a worker stuck in it.
   */
  async init(options: InitOptions, onFatal?: (reason: string) => void, onThreads?: (stage: ThreadsStage) => void): Promise<ModelInfo> {
    const started = performance.now();
    const spec = getBackboneSpec(options.backboneId ?? DEFAULT_BACKBONE_ID);
    const url = new URL(`models/${spec.folder}/model.json`, options.baseUrl).href;
    const choice = await chooseBackend(options.backend, options.baseUrl, options.remembered, () => timeWarmup(spec, url), options.avoid, {
      requested: options.threads ?? null,
      stalled: options.threadsStalled,
      onStage: onThreads,
    });
    const device = (tf.backend() as { device?: { lost?: Promise<{ message: string }> } }).device;
    void device?.lost?.then((info) => onFatal?.(`the GPU device was lost (${info.message || 'no reason given'})`));
    const backbone = await loadBackbone(spec, url);
    replaceSession({
      backbone,
      cache: new EmbeddingCache(spec.featureDim, { mirrored: true }),
      head: null,
      headClassIds: [],
      headTestTimeFlip: false,
      adapted: null,
      twin: null,
      cuts: null,
      views: null,
      embeddingsComputed: 0,
      mirrorsComputed: 0,
      mirrorPixels: new Map(),
      viewsComputed: 0,
      cutsComputed: 0,
      byHash: new Map(),
      persist: options.persist ?? true,
      originals: options.persist === false ? new Map() : null,
      baseUrl: options.baseUrl,
    });
    return {
      choice,
      backbone: { id: spec.id, label: spec.label, featureDim: spec.featureDim, paramCount: backbone.paramCount, inputSize: spec.inputSize, parts: backbone.parts },
      loadMs: performance.now() - started,
    };
  },

  /** Answers at once: the page's load watch (state/loadWatch.ts) pings it to tell a blocked worker from a busy load. */
  alive(): true {
    return true;
  },

  ingest,
  cancelIngest,
  forget,
  relabel,

  /** Forgets every sample and the trained head (a new project); the backbone stays loaded. */
  reset(): Promise<void> {
    return exclusive(async () => {
      const s = ready();
      s.cache.dispose();
      s.cache = new EmbeddingCache(s.backbone.spec.featureDim, { mirrored: true });
      s.head?.dispose();
      s.head = null;
      s.headClassIds = [];
      dropAdapted(s);
      dropViews(s);
      s.byHash.clear();
      s.originals?.clear();
      s.mirrorPixels.clear();
    });
  },

  restoreHead,
  train,
  stop,
  predict,
  predictWithHeatMap,
  sampleHeatMap,
  checkLabels,
  stopLabelCheck,
  ...modelFilesApi,

  memory(): MemoryInfo {
    const m = tf.memory();
    const s = currentSession();
    return {
      numTensors: m.numTensors,
      numBytes: m.numBytes,
      cachedEmbeddings: s?.cache.size ?? 0,
      cacheBytes: s?.cache.bytes ?? 0,
      embeddingsComputed: s?.embeddingsComputed ?? 0,
      mirrorsComputed: s?.mirrorsComputed ?? 0,
      mirrorsOwed: s?.cache.missingMirrors().length ?? 0,
      viewsComputed: s?.viewsComputed ?? 0,
      augmentedViews: s?.views ? [...s.views.rows.values()].reduce((n, row) => n + row.length, 0) : 0,
      augmentedBytes: s?.views ? [...s.views.rows.values()].reduce((n, row) => n + row.length, 0) * s.backbone.spec.featureDim * 4 : 0,
      cutActivations: s?.cuts?.rows.size ?? 0,
      cutsComputed: s?.cutsComputed ?? 0,
      cutBytes: cutCacheBytes(s?.cuts ?? null),
      wasmHeapBytes: (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.buffer.byteLength ?? null,
    };
  },

  ...benchApi,
};

export type WorkerApi = typeof api;
