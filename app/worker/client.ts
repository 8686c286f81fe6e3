/**
 * The main thread's bridge to the worker: starts it lazily, wraps it with Comlink, and notices
 * when it dies (a crash, or a lost GPU device reported by the worker): every pending and later
 * call then rejects with WorkerCrashed instead of hanging, and crash listeners are told once.
 * Imports only types from the worker side, so the UI bundle carries no TF.js.
 */
import * as Comlink from 'comlink';
import type { WorkerApi } from './api';
import { PendingCalls } from './pending';

export class WorkerCrashed extends Error {
  override name = 'WorkerCrashed';
}

let worker: Worker | null = null;
let remote: Comlink.Remote<WorkerApi> | null = null;
let kill: ((reason: string, quiet?: boolean) => void) | null = null;
const crashListeners = new Set<(reason: string) => void>();

export function workerApi(): Comlink.Remote<WorkerApi> {
  if (!remote) {
    const current = new Worker(new URL('./headstart.worker.ts', import.meta.url), { type: 'module', name: 'headstart-ml' });
    const raw = Comlink.wrap<WorkerApi>(current);
    const calls = new PendingCalls();
    let dead = false;
    let crash = new WorkerCrashed('the ML worker stopped');
    kill = (reason, quiet = false) => {
      if (dead) return;
      dead = true;
      crash = new WorkerCrashed(reason);
      calls.die();
      current.terminate();
      if (worker === current) {
        worker = null;
        remote = null;
        kill = null;
      }
      if (!quiet) crashListeners.forEach((listener) => listener(reason));
    };
    current.addEventListener('error', (e) => kill?.(`the ML worker crashed${e.message ? ` (${e.message})` : ''}`));
    worker = current;
    // Each call fails when the worker dies, so nothing waits forever on a dead worker.
    remote = new Proxy(raw, {
      get: (target, prop) =>
        prop === 'then' || typeof prop !== 'string'
          ? undefined
          : (...args: unknown[]) =>
              calls.track(
                () => (Reflect.get(target, prop) as (...a: unknown[]) => Promise<unknown>)(...args),
                () => Promise.reject(crash),
              ),
    }) as Comlink.Remote<WorkerApi>;
  }
  return remote;
}

/** Treats the worker as dead (the GPU device was lost, or a test simulates a crash). */
export function workerDied(reason: string): void {
  kill?.(reason);
}

/**
 * Ends the worker on purpose (it is stuck, and the caller starts another): its pending calls reject
 * with WorkerCrashed(reason), and crash recovery is not told.
 */
export function endWorker(reason: string): void {
  kill?.(reason, true);
}

/** Calls `listener` each time a worker dies; returns an unsubscribe function. */
export function onWorkerCrash(listener: (reason: string) => void): () => void {
  crashListeners.add(listener);
  return () => crashListeners.delete(listener);
}

/** Wraps a callback so the worker can call it across the boundary. */
export function callback<A>(fn: (arg: A) => void): (arg: A) => void {
  return Comlink.proxy(fn);
}
