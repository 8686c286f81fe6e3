/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describeAdapter, engineOf, fastest, measuredReason, planAuto, reusable, type AdapterFacts, type Engine } from './backendPlan';
import type { BackendChoice, BackendName, BackendRequest, RememberedBackend } from './protocol';

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

export async function activateBackend(name: BackendName, baseUrl: string): Promise<boolean> {
  if (name === 'wasm') {
    setWasmPaths(new URL('wasm/', baseUrl).href);
    // The threaded build spawns its pthread workers from its own function source, which breaks
    // once bundled and minified ("e is not defined"); measured here, one thread at batch 32 is
    // within 5% of two threads (shared/WEBGPU.md), so the SIMD single-thread build is used.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  try {
    return await tf.setBackend(name);
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
): Promise<BackendChoice> {
  const probe = await probeWebGpu();
  const adapter = probe?.description ?? null;
  if (request !== 'auto') {
    if (!(await activateBackend(request, baseUrl))) throw new Error(`The ${request} backend is not available in this browser.`);
    return { backend: request, reason: `forced by ?backend=${request}`, adapter, measuredMs: {}, remember: null };
  }
  const plan = planAuto({ engine: workerEngine(), adapter: probe, avoid });
  if (plan.webgpuFirst) {
    if (await activateBackend('webgpu', baseUrl)) {
      return { backend: 'webgpu', reason: `auto: hardware WebGPU adapter (${adapter})`, adapter, measuredMs: {}, remember: null };
    }
    plan.notes.unshift(`hardware WebGPU adapter (${adapter}) did not start`);
  }
  const key = `${navigator.userAgent} | ${adapter ?? 'no WebGPU'}`;
  if (reusable(remembered, key, plan) && (await activateBackend(remembered.backend, baseUrl))) {
    return { backend: remembered.backend, reason: `${remembered.reason} (remembered for this device)`, adapter, measuredMs: {}, remember: null };
  }
  const measuredMs: Partial<Record<BackendName, number>> = {};
  for (const name of plan.measure) {
    if (await activateBackend(name, baseUrl)) {
      try {
        measuredMs[name] = await timeWarmup(name);
      } catch {
        // A backend that fails its warm-up is not a candidate.
      }
    }
  }
  if (fastest(measuredMs) === null && plan.webgpuLast && (await activateBackend('webgpu', baseUrl))) {
    measuredMs.webgpu = await timeWarmup('webgpu');
  }
  const best: BackendName = fastest(measuredMs) ?? 'cpu';
  if (!(await activateBackend(best, baseUrl))) throw new Error('No TF.js backend could start in this browser.');
  const reason = measuredReason(plan.notes, measuredMs);
  return { backend: best, reason, adapter, measuredMs, remember: { key, backend: best, reason } };
}
