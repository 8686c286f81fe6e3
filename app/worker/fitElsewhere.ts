/**
 * Head training (a training's heads, Check labels' k heads) in a worker of its own, single-threaded, for an ML worker whose wasm backend runs
 * threaded. TF.js has one XNNPACK pool per backend, sized once, and it spreads every kernel over its
 * threads; a head's step is ~79 small kernels that lose more to the hand-offs than they gain (on 2 cores
 * a bias add 4.8 µs at 1 thread, 11.0 µs at 2; a step 0.83×; training 0.78–0.96×: docs/benchmarks.md).
 * So the embeddings are copied to the fit worker (fit.worker.ts), which runs fitHead on TF.js's
 * single-threaded wasm build, and the head comes back as its weights. Everything else (embedding,
 * prediction, adapting blocks) stays threaded in the ML worker. If the fit worker cannot start or dies,
 * heads are trained here again.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as Comlink from 'comlink';
import { fitHead, type FitOptions, type FitResult } from '../ml/fit';
import { outOfFoldProbabilities, type OutOfFoldOptions, type OutOfFoldResult } from '../ml/labelCheck';
import { createHead, type EpochReport } from '../ml/head';
import type { HeadSettings } from '../ml/settings';
import type { FitWorkerApi } from './fit.worker';
import { PendingCalls } from './pending';
import { THREADS_START_TIMEOUT_MS } from './wasmThreads';

/** What the fit worker gets: the options with the matrices as row-major floats and no callbacks. */
export interface FitRequest {
  dim: number;
  plain: Float32Array;
  mirrored?: Float32Array;
  /** The augmented views' matrix and, for each row of `plain` that has views, its rows in that matrix. */
  augmented?: { matrix: Float32Array; rowsOf: [number, number[]][] };
  rows: number[];
  labels: number[];
  numClasses: number;
  settings: HeadSettings;
}

/** What comes back: FitResult with the head as its weights (in `getWeights()` order). */
export interface FitAnswer extends Omit<FitResult, 'head'> {
  weights: { shape: number[]; values: Float32Array }[];
}

/** How often a Stop asked of the ML worker is passed on to the fit worker. */
const STOP_POLL_MS = 50;

let remote: Promise<Comlink.Remote<FitWorkerApi> | null> | null = null;
const calls = new PendingCalls();

/** Whether heads should be trained in the fit worker: on threaded wasm, where workers can start workers. */
function trainsElsewhere(): boolean {
  return tf.getBackend() === 'wasm' && getThreadsCount() > 1 && typeof Worker === 'function' && !calls.died;
}

/** How long the fit worker may take to start (TF.js and the wasm build loaded) before heads train here instead. */
const START_TIMEOUT_MS = THREADS_START_TIMEOUT_MS;

/**
 * The fit worker, started once (its wasm loaded from `baseUrl`); null when it cannot start, or not within
 * START_TIMEOUT_MS. A worker that fails, at its start or later, is ended, and heads train here from then on.
 */
function fitWorker(baseUrl: string): Promise<Comlink.Remote<FitWorkerApi> | null> {
  remote ??= (async () => {
    let worker: Worker | null = null;
    const end = () => {
      worker?.terminate();
      calls.die();
    };
    try {
      worker = new Worker(new URL('./fit.worker.ts', import.meta.url), { type: 'module', name: 'headstart-fit' });
      worker.addEventListener('error', end, { once: true });
      const api = Comlink.wrap<FitWorkerApi>(worker);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the fit worker did not start')), START_TIMEOUT_MS)));
      try {
        await Promise.race([calls.track(() => api.start(baseUrl), () => Promise.reject(new Error('the fit worker stopped'))), late]);
      } finally {
        clearTimeout(timer);
      }
      return api;
    } catch {
      end();
      return null;
    }
  })();
  return remote;
}

/**
 * Starts the fit worker ahead of the first training, when heads will train there (called once images are
 * in): its start (TF.js and the wasm build loaded, compiled) is then not part of the user's wait.
 */
export function warmFitWorker(baseUrl: string): void {
  if (trainsElsewhere()) void fitWorker(baseUrl);
}

async function request(options: Shared): Promise<{ request: FitRequest; buffers: ArrayBuffer[] }> {
  const { plain, mirrored, augmented, rows, labels, numClasses, settings } = options;
  // The wasm backend's data() is a copy with a buffer of its own (not the shared heap), so it can be transferred.
  const floats = async (t: tf.Tensor) => (await t.data()) as Float32Array;
  const req: FitRequest = { dim: plain.shape[1], plain: await floats(plain), rows: rows.slice(), labels: labels.slice(), numClasses, settings };
  if (mirrored) req.mirrored = await floats(mirrored);
  if (augmented) req.augmented = { matrix: await floats(augmented.matrix), rowsOf: rows.map((r) => [r, [...augmented.rowsOf(r)]]) };
  const buffers = [req.plain, req.mirrored, req.augmented?.matrix].filter((a) => a !== undefined).map((a) => a.buffer as ArrayBuffer);
  return { request: req, buffers };
}

/** The answer's head, built and given its trained weights here. */
function headOf(answer: FitAnswer, dim: number, numClasses: number, settings: HeadSettings): tf.LayersModel {
  const head = createHead(dim, numClasses, settings);
  try {
    tf.tidy(() => head.setWeights(answer.weights.map((w) => tf.tensor(w.values, w.shape))));
  } catch (error) {
    head.dispose();
    throw error;
  }
  return head;
}

/** What both jobs share: the embeddings, the rows to learn from, and the callbacks. */
type Shared = Pick<FitOptions, 'plain' | 'mirrored' | 'augmented' | 'rows' | 'labels' | 'numClasses' | 'settings' | 'shouldStop'>;

/**
 * Runs `job` in the fit worker on a copy of the options' embeddings when trainsElsewhere(), passing a Stop
 * on (the fit worker checks it between batches, as the job would here); `here()` otherwise, and when the
 * fit worker cannot start or dies during the call.
 */
async function placed<T>(options: Shared, baseUrl: string, job: (api: Comlink.Remote<FitWorkerApi>, req: FitRequest) => Promise<T>, here: () => Promise<T>): Promise<T> {
  const api = trainsElsewhere() ? await fitWorker(baseUrl) : null;
  // Stopped while the fit worker started or the embeddings were copied: here, it stops after one batch.
  if (!api || options.shouldStop?.()) return here();
  const { request: req, buffers } = await request(options);
  if (options.shouldStop?.()) return here();
  const stopWatch = setInterval(() => {
    if (options.shouldStop?.()) void api.stop().catch(() => undefined);
  }, STOP_POLL_MS);
  try {
    const answer = await calls.track<{ value: T } | null>(async () => ({ value: await job(api, Comlink.transfer(req, buffers)) }), async () => null);
    return answer ? answer.value : here();
  } finally {
    clearInterval(stopWatch);
  }
}

/**
 * fitHead, in the fit worker on threaded wasm (else here): the same result either way (the head lives
 * here, as fitHead's does), its epochs reported as they would be here; `apart` says it ran there.
 */
export async function fitHeadPlaced(options: FitOptions, baseUrl: string): Promise<FitResult & { apart: boolean }> {
  // A function of this worker's own (options.onEpoch may itself be the page's proxy).
  const report = options.onEpoch;
  const onEpoch = report ? Comlink.proxy((r: EpochReport) => report(r)) : undefined;
  return placed<FitResult & { apart: boolean }>(
    options,
    baseUrl,
    async (api, req) => {
      const answer = await api.fit(req, onEpoch);
      const head = headOf(answer, req.dim, req.numClasses, req.settings);
      const { weights: _weights, ...rest } = answer;
      return { ...rest, head, apart: true };
    },
    async () => ({ ...(await fitHead(options)), apart: false }),
  );
}

/** outOfFoldProbabilities (Check labels' k heads), in the fit worker on threaded wasm (else here). */
export function outOfFoldPlaced(options: OutOfFoldOptions, baseUrl: string): Promise<OutOfFoldResult> {
  const progress = options.onProgress;
  const onProgress = progress ? Comlink.proxy((done: number, total: number) => progress(done, total)) : undefined;
  const { k, epochs, folds } = options;
  return placed(options, baseUrl, (api, req) => api.outOfFold({ ...req, k, epochs, folds: folds && [...folds] }, onProgress), () => outOfFoldProbabilities(options));
}
