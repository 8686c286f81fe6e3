/**
 * The rules `auto` follows to pick a TF.js backend, with the browser's facts as inputs (its engine,
 * its WebGPU adapter, the backends to avoid). TF-free and global-free, so they are unit-tested in
 * Node; backend.ts gathers the facts in the worker and starts the backends.
 *
 * 1. A hardware WebGPU adapter (not a fallback/software one) is taken unmeasured: where it starts it
 *    is the fastest (Chrome/Edge with a GPU, Safari 26, Firefox on Windows).
 * 2. Otherwise wasm and webgl are timed with a one-image warm-up and the faster is kept, except
 *    that webgl is never tried in a WebKit worker (Safari and every browser on iOS/iPadOS): there
 *    TF.js's WebGL backend waits on a fence that never signals and hangs (tensorflow/tfjs #7436,
 *    #7803).
 * 3. A software WebGPU adapter (SwiftShader, llvmpipe, Microsoft Basic Render) emulates the GPU
 *    on the CPU: tried last, only if nothing else started.
 */
import type { BackendName, RememberedBackend } from './protocol';

export type Engine = 'blink' | 'webkit' | 'gecko' | 'unknown';

/**
 * The browser engine, from what a worker's navigator says. Chromium-based browsers (Chrome, Edge,
 * Opera, Samsung Internet, headless Chrome) put Chrome/ or Chromium/ (Edge also Edg/) in the user
 * agent and have navigator.userAgentData; Safari, WebKitGTK/WPE and every browser on iOS/iPadOS
 * (CriOS, FxiOS, EdgiOS are WebKit there, and iPadOS asks for desktop sites as a Mac) say
 * AppleWebKit without them; Firefox says Firefox/ and no AppleWebKit.
 */
export function engineOf(userAgent: string, hasUserAgentData = false): Engine {
  if (hasUserAgentData || /(?:Chrome|Chromium|Edg)\/\d/.test(userAgent)) return 'blink';
  if (/\bAppleWebKit\//.test(userAgent)) return 'webkit';
  if (/\bFirefox\/\d/.test(userAgent)) return 'gecko';
  return 'unknown';
}

export interface AdapterFacts {
  description: string;
  /** A fallback adapter, or a GPU emulated on the CPU. */
  software: boolean;
}

/** What a WebGPU adapter is, from its `info` (and the older `isFallbackAdapter` on the adapter). */
export function describeAdapter(
  info: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean },
  adapterIsFallback?: boolean,
): AdapterFacts {
  const description = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  const software = adapterIsFallback === true || info.isFallbackAdapter === true || /swiftshader|llvmpipe|software|basic render/i.test(description);
  return { description, software };
}

export interface AutoPlan {
  /** A hardware WebGPU adapter: tried first, and kept unmeasured if it starts. */
  webgpuFirst: boolean;
  /** Backends timed with a warm-up, in order; the fastest is kept. */
  measure: BackendName[];
  /** A software WebGPU adapter: tried only if nothing measured started. */
  webgpuLast: boolean;
  /** Why some backends are not candidates, in the words Under the hood shows. */
  notes: string[];
}

export const WEBGL_WEBKIT_NOTE = 'webgl skipped: known to hang in a worker on Safari/WebKit (tensorflow/tfjs #7436, #7803)';

export function planAuto(facts: { engine: Engine; adapter: AdapterFacts | null; avoid: readonly BackendName[] }): AutoPlan {
  const { engine, adapter, avoid } = facts;
  const gpuAllowed = !avoid.includes('webgpu');
  const notes: string[] = [];
  if (!adapter) notes.push('no WebGPU adapter');
  else if (adapter.software) notes.push(`WebGPU adapter is software (${adapter.description})`);
  const measure: BackendName[] = [];
  for (const name of ['wasm', 'webgl'] as const) {
    if (avoid.includes(name)) continue;
    if (name === 'webgl' && engine === 'webkit') notes.push(WEBGL_WEBKIT_NOTE);
    else measure.push(name);
  }
  if (avoid.length > 0) notes.push(`avoiding ${avoid.join(', ')} after a failure`);
  return { webgpuFirst: !!adapter && !adapter.software && gpuAllowed, measure, webgpuLast: !!adapter && adapter.software && gpuAllowed, notes };
}

/** A remembered measurement is reused only on the same device (key) and only for a backend this plan allows. */
export function reusable(remembered: RememberedBackend | null | undefined, key: string, plan: AutoPlan): remembered is RememberedBackend {
  if (!remembered || remembered.key !== key) return false;
  const b = remembered.backend;
  return plan.measure.includes(b) || (b === 'webgpu' && plan.webgpuLast) || b === 'cpu';
}

/** The fastest measured backend, or null when none was measured. */
export function fastest(measuredMs: Partial<Record<BackendName, number>>): BackendName | null {
  const ranked = (Object.entries(measuredMs) as [BackendName, number][]).sort((a, b) => a[1] - b[1]);
  return ranked[0]?.[0] ?? null;
}

/** The reason shown for a measured choice: what was left out, then the timings, fastest first. */
export function measuredReason(notes: readonly string[], measuredMs: Partial<Record<BackendName, number>>): string {
  const ranked = (Object.entries(measuredMs) as [BackendName, number][]).sort((a, b) => a[1] - b[1]);
  const timings = ranked.map(([n, ms]) => `${n} ${Math.round(ms)} ms/img`).join(', ');
  return `auto: ${notes.join('; ')}; ${ranked.length ? `measured ${timings}` : 'nothing else started'}`;
}
