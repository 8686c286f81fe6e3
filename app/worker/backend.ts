/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice, BackendName, BackendRequest, RememberedBackend } from './protocol';

interface AdapterProbe {
  description: string;
  software: boolean;
}

interface GpuLike {
  requestAdapter(): Promise<{
    isFallbackAdapter?: boolean;
    info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  } | null>;
}

/** Looks for a WebGPU adapter and tells a real GPU from a software one (SwiftShader, fallback). */
export async function probeWebGpu(): Promise<AdapterProbe | null> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info ?? {};
    const description = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
    const software =
      adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || /swiftshader|llvmpipe|software|basic render/i.test(description);
    return { description, software };
  } catch {
    return null;
  }
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
 * Picks the backend. A forced one is used as is. `auto` prefers a hardware WebGPU adapter;
 * otherwise it measures the remaining candidates with a short warm-up and takes the fastest,
 * unless the UI remembered a measurement for this very device.
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
  if (probe && !probe.software && !avoid.includes('webgpu') && (await activateBackend('webgpu', baseUrl))) {
    return { backend: 'webgpu', reason: `auto: hardware WebGPU adapter (${probe.description})`, adapter, measuredMs: {}, remember: null };
  }
  const key = `${navigator.userAgent} | ${adapter ?? 'no WebGPU'}`;
  if (remembered && remembered.key === key && !avoid.includes(remembered.backend) && (await activateBackend(remembered.backend, baseUrl))) {
    return { backend: remembered.backend, reason: `${remembered.reason} (remembered for this device)`, adapter, measuredMs: {}, remember: null };
  }
  const why = [probe ? `WebGPU adapter is software (${probe.description})` : 'no WebGPU adapter', ...(avoid.length ? [`avoiding ${avoid.join(', ')} after a failure`] : [])].join('; ');
  // Software WebGPU emulates the GPU on the CPU and is measured last, only if nothing else works.
  const candidates = (['wasm', 'webgl'] as const).filter((b) => !avoid.includes(b));
  const measuredMs: Partial<Record<BackendName, number>> = {};
  for (const name of candidates) {
    if (await activateBackend(name, baseUrl)) {
      try {
        measuredMs[name] = await timeWarmup(name);
      } catch {
        // A backend that fails its warm-up is not a candidate.
      }
    }
  }
  let ranked = (Object.entries(measuredMs) as [BackendName, number][]).sort((a, b) => a[1] - b[1]);
  if (ranked.length === 0 && probe && !avoid.includes('webgpu') && (await activateBackend('webgpu', baseUrl))) {
    measuredMs.webgpu = await timeWarmup('webgpu');
    ranked = [['webgpu', measuredMs.webgpu]];
  }
  const best: BackendName = ranked[0]?.[0] ?? 'cpu';
  if (!(await activateBackend(best, baseUrl))) throw new Error('No TF.js backend could start in this browser.');
  const timings = ranked.map(([n, ms]) => `${n} ${Math.round(ms)} ms/img`).join(', ');
  const reason = ranked.length ? `auto: ${why}; measured ${timings}` : `auto: ${why}; nothing else started`;
  return { backend: best, reason, adapter, measuredMs, remember: { key, backend: best, reason } };
}
