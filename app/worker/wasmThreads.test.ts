import { describe, expect, it } from 'vitest';
import { describeWasmThreads, planWasmThreads, requestedThreads, WASM_THREAD_POOL, type WasmThreadFacts } from './wasmThreads';

const isolated: WasmThreadFacts = { crossOriginIsolated: true, sharedArrayBuffer: true, cores: 2, requested: null, bundled: true };

describe('planWasmThreads', () => {
  it('runs one thread per core on an isolated page with SharedArrayBuffer, 2 cores included', () => {
    expect(planWasmThreads(isolated)).toEqual({ multithread: true, threads: 2, why: null });
    expect(planWasmThreads({ ...isolated, cores: 4 })).toEqual({ multithread: true, threads: 4, why: null });
    expect(planWasmThreads({ ...isolated, cores: 3 })).toEqual({ multithread: true, threads: 3, why: null });
  });

  it('caps the thread count at the pthread pool the threaded build starts', () => {
    expect(planWasmThreads({ ...isolated, cores: 32 }).threads).toBe(WASM_THREAD_POOL);
    expect(planWasmThreads({ ...isolated, requested: 64 }).threads).toBe(WASM_THREAD_POOL);
  });

  it('falls back to one thread, saying why, without SharedArrayBuffer or isolation (WebKit here)', () => {
    expect(planWasmThreads({ ...isolated, sharedArrayBuffer: false })).toEqual({ multithread: false, threads: 1, why: 'SharedArrayBuffer unavailable' });
    expect(planWasmThreads({ ...isolated, crossOriginIsolated: false }).why).toBe('page not cross-origin isolated');
    expect(planWasmThreads({ ...isolated, bundled: false }).multithread).toBe(false);
  });

  it('takes ?threads=1 to force the single-threaded build, and ?threads=N for N', () => {
    expect(planWasmThreads({ ...isolated, requested: 1 })).toEqual({ multithread: false, threads: 1, why: 'forced by ?threads=1' });
    expect(planWasmThreads({ ...isolated, cores: 8, requested: 3 }).threads).toBe(3);
  });

  it('uses one thread where the threaded build did not start before, whatever the cores or ?threads=N', () => {
    const why = 'the threaded build did not start within 15 s in this browser (?threads=N tries again)';
    expect(planWasmThreads({ ...isolated, cores: 8, stalled: true })).toEqual({ multithread: false, threads: 1, why });
    expect(planWasmThreads({ ...isolated, requested: 4, stalled: true })).toEqual({ multithread: false, threads: 1, why });
    expect(planWasmThreads({ ...isolated, cores: 8, stalled: false }).multithread).toBe(true);
  });

  it('keeps one thread on one core or where the core count is hidden', () => {
    expect(planWasmThreads({ ...isolated, cores: 1 }).why).toBe('1 CPU core');
    expect(planWasmThreads({ ...isolated, cores: undefined }).multithread).toBe(false);
  });
});

describe('requestedThreads', () => {
  it('reads a whole number ≥ 1 and ignores anything else', () => {
    expect(requestedThreads('?threads=1')).toBe(1);
    expect(requestedThreads('?backend=wasm&threads=4')).toBe(4);
    for (const bad of ['', '?threads=0', '?threads=-2', '?threads=two', '?threads=1.5']) expect(requestedThreads(bad)).toBeNull();
  });
});

describe('describeWasmThreads', () => {
  it('says the thread count in use, or why there is one', () => {
    expect(describeWasmThreads(2, planWasmThreads({ ...isolated, requested: 2 }))).toBe('wasm, 2 threads');
    expect(describeWasmThreads(1, planWasmThreads({ ...isolated, requested: 1 }))).toBe('wasm, 1 thread: forced by ?threads=1');
    expect(describeWasmThreads(1, planWasmThreads({ ...isolated, sharedArrayBuffer: false }))).toBe('wasm, 1 thread: SharedArrayBuffer unavailable');
  });
});
