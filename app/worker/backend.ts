/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describeAdapter, engineOf, fastest, measuredReason, planAuto, reusable, type AdapterFacts, type Engine } from './backendPlan';
import type { BackendChoice, BackendName, BackendRequest, RememberedBackend, ThreadsStage } from './protocol';
import { describeWasmThreads, planWasmThreads, type WasmThreadPlan } from './wasmThreads';

interface GpuLike {
  requestAdapter(): Promise<{
    isFallbackAdapter?: boolean;
    info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  } | null>;
}

/** Looks for a WebGPU adapter and tells a real GPU from a software one (SwiftShader, fallback). */
export async function probeWebGpu(): Promise<AdapterFacts | null> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? describeAdapter(adapter.info ?? {}, adapter.isFallbackAdapter) : null;
  } catch {
    return null;
  }
}

/** This worker's browser engine (backendPlan.ts's engineOf). */
export function workerEngine(): Engine {
  return engineOf(navigator.userAgent, 'userAgentData' in navigator);
}

/** The wasm build this worker runs: fixed by the first wasm start (a wasm backend cannot restart with other threads). */
let wasmPlan: WasmThreadPlan | null = null;

/**
 * The threaded SIMD build where the page is cross-origin isolated and has SharedArrayBuffer
 * (wasmThreads.ts), one thread per core up to TF.js's pool; `threads` is `?threads=` (1 forces one).
 * Its pthread workers load the unbundled Emscripten script from public/wasm/ (vite.config.ts's
 * wasmThreadsLoader), since the bundled copy of its source cannot run on its own.
 */
function configureWasm(baseUrl: string, threads: WasmThreadOptions): WasmThreadPlan {
  if (wasmPlan) return wasmPlan;
  setWasmPaths(new URL('wasm/', baseUrl).href);
  wasmPlan = planWasmThreads({
    crossOriginIsolated: self.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    cores: navigator.hardwareConcurrency,
    requested: threads.requested,
    bundled: import.meta.env.PROD,
    stalled: threads.stalled,
  });
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', wasmPlan.multithread);
  setThreadsCount(wasmPlan.threads);
  return wasmPlan;
}

/**
 * Starts TF.js's wasm backend with the planned thread count. setThreadsCount alone cannot ask for more
 * than half the cores: tfjs-backend-wasm 4.22's init_with_threads_count (src/cc/backend.cc) caps the
 * XNNPACK pool at min(count, 8, num_cores), where num_cores = emscripten_num_logical_cores() / 2 (it
 * assumes two hardware threads per core), and the published Emscripten glue answers that call with
 * navigator.hardwareConcurrency — one thread on a 2-core machine, whatever was asked. TF.js has no other
 * way in, so while the backend starts (its C++ globals read the count then, once) this worker reports
 * twice the planned threads, and its own count again afterwards.
 */
async function startWasm(plan: WasmThreadPlan, onStage?: (stage: ThreadsStage) => void): Promise<boolean> {
  if (!plan.multithread) return tf.setBackend('wasm');
  Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, value: plan.threads * 2 });
  onStage?.('starting');
  try {
    return await tf.setBackend('wasm');
  } finally {
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
    onStage?.('started');
  }
}

/** Under the hood's words for the wasm build in use (its actual thread count), or null on another backend. */
function wasmNote(backend: BackendName): { note: string; threads: number } | null {
  if (backend !== 'wasm' || !wasmPlan) return null;
  const threads = getThreadsCount();
  return { note: describeWasmThreads(threads, wasmPlan), threads };
}

/** The choice with the wasm build's thread count and, on wasm, its words appended to the reason. */
function withThreads(choice: Omit<BackendChoice, 'wasmThreads'>): BackendChoice {
  const wasm = wasmNote(choice.backend);
  return wasm ? { ...choice, reason: `${choice.reason}; ${wasm.note}`, wasmThreads: wasm.threads } : { ...choice, wasmThreads: null };
}

/**
 * The wasm build's thread options: `requested` is `?threads=` (1 forces one), `stalled` says the threaded
 * build did not start here before, and `onStage` hears its start begin and end (the page's watchdog).
 */
export interface WasmThreadOptions {
  requested: number | null;
  stalled?: boolean;
  onStage?: (stage: ThreadsStage) => void;
}

export async function activateBackend(name: BackendName, baseUrl: string, threads: WasmThreadOptions = { requested: null }): Promise<boolean> {
  try {
    return name === 'wasm' ? await startWasm(configureWasm(baseUrl, threads), threads.onStage) : await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** Ms per image for one warm-up embedding on the active backend (the first call compiles; the second is timed). */
export type WarmupTimer = (name: BackendName) => Promise<number>;

/**
 * Picks the backend. A forced one is used as is. `auto` follows planAuto (backendPlan.ts): a
 * hardware WebGPU adapter first; otherwise the remembered measurement for this very device, or a
 * short warm-up of each candidate (never webgl in a WebKit worker), keeping the fastest.
 */
export async function chooseBackend(
  request: BackendRequest,
  baseUrl: string,
  remembered: RememberedBackend | null | undefined,
  timeWarmup: WarmupTimer,
  avoid: readonly BackendName[] = [],
  threads: WasmThreadOptions = { requested: null },
): Promise<BackendChoice> {
  const activate = (name: BackendName) => activateBackend(name, baseUrl, threads);
  const probe = await probeWebGpu();
  const adapter = probe?.description ?? null;
  if (request !== 'auto') {
    if (!(await activate(request))) throw new Error(`The ${request} backend is not available in this browser.`);
    return withThreads({ backend: request, reason: `forced by ?backend=${request}`, adapter, measuredMs: {}, remember: null });
  }
  const plan = planAuto({ engine: workerEngine(), adapter: probe, avoid });
  if (plan.webgpuFirst) {
    if (await activate('webgpu')) {
      return withThreads({ backend: 'webgpu', reason: `auto: hardware WebGPU adapter (${adapter})`, adapter, measuredMs: {}, remember: null });
    }
    plan.notes.unshift(`hardware WebGPU adapter (${adapter}) did not start`);
  }
  const key = `${navigator.userAgent} | ${adapter ?? 'no WebGPU'}`;
  if (reusable(remembered, key, plan) && (await activate(remembered.backend))) {
    return withThreads({ backend: remembered.backend, reason: `${remembered.reason} (remembered for this device)`, adapter, measuredMs: {}, remember: null });
  }
  const measuredMs: Partial<Record<BackendName, number>> = {};
  for (const name of plan.measure) {
    if (await activate(name)) {
      try {
        measuredMs[name] = await timeWarmup(name);
      } catch {
        // A backend that fails its warm-up is not a candidate.
      }
    }
  }
  if (fastest(measuredMs) === null && plan.webgpuLast && (await activate('webgpu'))) {
    measuredMs.webgpu = await timeWarmup('webgpu');
  }
  const best: BackendName = fastest(measuredMs) ?? 'cpu';
  if (!(await activate(best))) throw new Error('No TF.js backend could start in this browser.');
  const reason = measuredReason(plan.notes, measuredMs);
  return withThreads({ backend: best, reason, adapter, measuredMs, remember: { key, backend: best, reason } });
}
