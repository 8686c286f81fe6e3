/**
 * How many threads TF.js's wasm backend runs with, from the browser's facts. TF-free and
 * global-free, so it is unit-tested in Node; backend.ts gathers the facts in the worker.
 *
 * The threaded SIMD build needs SharedArrayBuffer, which browsers give only to a cross-origin
 * isolated page (COOP same-origin + COEP require-corp, which the app's server sends). Its
 * Emscripten pool starts 8 pthread workers up front (PTHREAD_POOL_SIZE in tfjs-backend-wasm
 * 4.22), so XNNPACK's thread pool is capped there: more would start workers on demand.
 * Otherwise, or when `?threads=1` asks, it is the single-threaded SIMD build.
 *
 * By default it runs one thread per core (capped at the pool). On this 2-core machine, quiet, 2 threads
 * against 1 (`npm run bench -- --threads --rounds 3`, five quiet runs, docs/benchmarks.md): batch 1 1.53–1.78×,
 * live camera 1.30–1.46×, ingest 1.62–1.84×, head training 0.78–0.96× (0.94× once heads trained in the fit
 * worker, fitElsewhere.ts); under heavy load from other processes threads lost (training 0.3–0.6×),
 * which `?threads=1` answers. A threaded start that never finishes (THREADS_START_TIMEOUT_MS) falls back to
 * one thread, remembered for the browser (state/model.ts).
 */

/** Pthread workers the threaded build of tfjs-backend-wasm 4.22 starts with. */
export const WASM_THREAD_POOL = 8;

/**
 * How long the threaded build may take to start (compile, and its pthread workers made) before the page
 * gives up on it, ends the worker and starts a single-threaded one (state/loadWatch.ts). It takes under 1 s here. In Firefox
 * ESR driven over WebDriver BiDi, `new Worker()` for a pthread blocked the ML worker for good in about
 * one start in three (docs/browsers.md); the same build started every time in a plain Firefox.
 */
export const THREADS_START_TIMEOUT_MS = 15_000;

export interface WasmThreadFacts {
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  /** navigator.hardwareConcurrency (undefined where the browser hides it). */
  cores: number | undefined;
  /** `?threads=N` from the page URL, null when not given. */
  requested: number | null;
  /** False on the dev server, where the threaded build's loader (vite.config.ts) is not applied. */
  bundled: boolean;
  /** The threaded build did not start in this browser (this visit, or an earlier one unless `?threads=` asks). */
  stalled?: boolean;
}

export interface WasmThreadPlan {
  /** Load the threaded build (WASM_HAS_MULTITHREAD_SUPPORT). */
  multithread: boolean;
  /** The XNNPACK thread count asked for (setThreadsCount). */
  threads: number;
  /** Why one thread, in the words Under the hood shows; null when threaded. */
  why: string | null;
}

/** `?threads=` from a URL's query: a whole number ≥ 1, else null (ignored). */
export function requestedThreads(search: string): number | null {
  const value = new URLSearchParams(search).get('threads');
  if (value === null || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 ? n : null;
}

export function planWasmThreads(facts: WasmThreadFacts): WasmThreadPlan {
  const one = (why: string): WasmThreadPlan => ({ multithread: false, threads: 1, why });
  if (!facts.sharedArrayBuffer) return one('SharedArrayBuffer unavailable');
  if (!facts.crossOriginIsolated) return one('page not cross-origin isolated');
  if (!facts.bundled) return one('dev server (threads need the production build)');
  if (facts.requested === 1) return one('forced by ?threads=1');
  if (facts.stalled) return one(`the threaded build did not start within ${THREADS_START_TIMEOUT_MS / 1000} s in this browser (?threads=N tries again)`);
  const cores = Math.max(1, Math.floor(facts.cores ?? 1));
  if (facts.requested === null && cores < 2) return one('1 CPU core');
  const threads = Math.min(facts.requested ?? cores, WASM_THREAD_POOL);
  return { multithread: true, threads, why: null };
}

/** What Under the hood says about the wasm build in use, from the thread count it reports. */
export function describeWasmThreads(actual: number, plan: WasmThreadPlan): string {
  if (actual > 1) return `wasm, ${actual} threads`;
  return `wasm, 1 thread: ${plan.why ?? 'the threaded build started one'}`;
}
