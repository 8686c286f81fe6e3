/// <reference lib="webworker" />
/**
 * The fit worker (fitElsewhere.ts): trains heads (fitHead, outOfFoldProbabilities) on TF.js's single-threaded wasm build,
 * for an ML worker whose wasm runs threaded. It keeps no tensor between calls: each call's embeddings
 * come in, the head's weights go out, and every tensor is freed (its wasm memory stays at the largest call's size).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as Comlink from 'comlink';
import { fitHead } from '../ml/fit';
import { outOfFoldProbabilities, type OutOfFoldOptions, type OutOfFoldResult } from '../ml/labelCheck';
import type { EpochReport } from '../ml/head';
import type { FitAnswer, FitRequest } from './fitElsewhere';
import { yieldToEvents } from './yieldToEvents';

let stopRequested = false;
let started: Promise<void> | null = null;

/** The request's matrices as tensors here, and how to free them. */
function tensorsOf(request: FitRequest) {
  const matrix = (values: Float32Array) => tf.tensor2d(values, [values.length / request.dim, request.dim]);
  const plain = matrix(request.plain);
  const mirrored = request.mirrored && matrix(request.mirrored);
  const views = request.augmented && new Map(request.augmented.rowsOf);
  const augmented = request.augmented && views && { matrix: matrix(request.augmented.matrix), rowsOf: (row: number) => views.get(row) ?? [] };
  return { plain, mirrored, augmented, dispose: () => tf.dispose([plain, mirrored, augmented?.matrix].filter((t) => t !== undefined)) };
}

const api = {
  /** Loads the single-threaded wasm build from the app's wasm/ folder (precached, so offline too). */
  start(baseUrl: string): Promise<void> {
    started ??= (async () => {
      setWasmPaths(new URL('wasm/', baseUrl).href);
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    })();
    return started;
  },

  async fit(request: FitRequest, onEpoch?: (report: EpochReport) => void): Promise<FitAnswer> {
    stopRequested = false;
    const { rows, labels, numClasses, settings } = request;
    const { plain, mirrored, augmented, dispose } = tensorsOf(request);
    try {
      const { head, ...rest } = await fitHead({ plain, mirrored, augmented, rows, labels, numClasses, settings, onEpoch, shouldStop: () => stopRequested, yieldToEvents });
      try {
        const weights = head.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array }));
        return Comlink.transfer({ ...rest, weights }, weights.map((w) => w.values.buffer as ArrayBuffer));
      } finally {
        head.dispose();
      }
    } finally {
      dispose();
    }
  },

  /** Check labels' out-of-fold probabilities (outOfFoldProbabilities) on these embeddings. */
  async outOfFold(request: FitRequest & Pick<OutOfFoldOptions, 'k' | 'epochs' | 'folds'>, onProgress?: (done: number, total: number) => void): Promise<OutOfFoldResult> {
    stopRequested = false;
    const { plain, mirrored, augmented, dispose } = tensorsOf(request);
    try {
      const { rows, labels, numClasses, settings, k, epochs, folds } = request;
      const result = await outOfFoldProbabilities({ plain, mirrored, augmented, rows, labels, numClasses, settings, k, epochs, folds, onProgress, shouldStop: () => stopRequested, yieldToEvents });
      return Comlink.transfer(result, [result.probabilities.buffer as ArrayBuffer]);
    } finally {
      dispose();
    }
  },

  /** Asks a running fit to stop after its current batch (not queued: it must run during the fit). */
  stop(): void {
    stopRequested = true;
  },
};

export type FitWorkerApi = typeof api;

Comlink.expose(api);
