/**
 * The main thread's bridge to the worker: starts it lazily, wraps it with Comlink, and can
 * restart it. Imports only types from the worker side, so the UI bundle carries no TF.js.
 */
import * as Comlink from 'comlink';
import type { WorkerApi } from './api';

let worker: Worker | null = null;
let remote: Comlink.Remote<WorkerApi> | null = null;

export function workerApi(): Comlink.Remote<WorkerApi> {
  if (!remote) {
    worker = new Worker(new URL('./headstart.worker.ts', import.meta.url), { type: 'module', name: 'headstart-ml' });
    remote = Comlink.wrap<WorkerApi>(worker);
  }
  return remote;
}

/** Ends the worker (and everything it held); the next call starts a fresh one. */
export function terminateWorker(): void {
  worker?.terminate();
  worker = null;
  remote = null;
}

/** Wraps a callback so the worker can call it across the boundary. */
export function callback<A>(fn: (arg: A) => void): (arg: A) => void {
  return Comlink.proxy(fn);
}
