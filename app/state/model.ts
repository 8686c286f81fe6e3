/** Starting the worker, choosing the backend, loading the backbone, restoring the saved project. */
import { callback, endWorker, onWorkerCrash, workerApi, workerDied } from '../worker/client';
import { BACKEND_NAMES, type BackendName, type BackendRequest, type RememberedBackend, type ThreadsStage } from '../worker/protocol';
import { requestedThreads } from '../worker/wasmThreads';
import { get, message, notify, refreshMemory, refreshStorage, set } from './base';
import { STUCK_MS, watchLoad, type Stuck } from './loadWatch';
import { forgetShownProject, restoreProject } from './project';
import { checkStorage } from './storage';

const REMEMBER_KEY = 'headstart.backend';
/** The user agent in which the threaded wasm build did not start: later visits use one thread there. */
const THREADS_STALLED_KEY = 'headstart.threadsStalled';

/** `?backend=` from the page URL, or auto. */
export function requestedBackend(search: string): BackendRequest {
  const value = new URLSearchParams(search).get('backend');
  return value && (BACKEND_NAMES as readonly string[]).includes(value) ? (value as BackendRequest) : 'auto';
}

function readRemembered(): RememberedBackend | null {
  try {
    return JSON.parse(localStorage.getItem(REMEMBER_KEY) ?? 'null') as RememberedBackend | null;
  } catch {
    return null;
  }
}

/** Whether the threaded build stalled in this browser before (`?threads=` tries it again). */
function threadsStalledBefore(): boolean {
  try {
    return requestedThreads(location.search) === null && localStorage.getItem(THREADS_STALLED_KEY) === navigator.userAgent;
  } catch {
    return false;
  }
}

/** Loads given up on a worker that stopped answering (not in the threaded start) before the error is shown. */
const MAX_UNRESPONSIVE_RETRIES = 2;

/**
 * Starts the worker and loads the model, watched (loadWatch.ts). A worker stuck in the threaded wasm
 * build's start is ended and a single-threaded one started, remembered for this browser; one that stopped
 * answering elsewhere is ended and started again, up to MAX_UNRESPONSIVE_RETRIES times.
 */
export async function loadModel(avoid: BackendName[] = [], threadsStalled = threadsStalledBefore(), retries = 0): Promise<void> {
  set({ model: { status: 'loading', info: null, error: null } });
  let stuck: Stuck | null = null;
  const watch = watchLoad(
    () => workerApi().alive(),
    (why) => {
      stuck = why;
      endWorker(why === 'threads' ? `the threaded wasm build did not start within ${STUCK_MS / 1000} s` : `the ML worker stopped answering for ${STUCK_MS / 1000} s while loading`);
    },
  );
  try {
    const persist = await checkStorage();
    const info = await workerApi().init(
      {
        persist,
        backend: requestedBackend(location.search),
        backboneId: new URLSearchParams(location.search).get('backbone') ?? undefined,
        baseUrl: new URL(import.meta.env.BASE_URL, location.href).href,
        remembered: readRemembered(),
        threads: requestedThreads(location.search),
        threadsStalled,
        avoid,
      },
      callback((reason: string) => workerDied(reason)),
      callback((stage: ThreadsStage) => watch.stage(stage)),
    );
    watch.stop();
    if (info.choice.remember) localStorage.setItem(REMEMBER_KEY, JSON.stringify(info.choice.remember));
    await restoreProject();
    set({ model: { status: 'ready', info, error: null } });
  } catch (error) {
    watch.stop();
    // (A variable the watch's callback sets: TypeScript's narrowing cannot see it.)
    const why = stuck as Stuck | null;
    if (why === 'threads') {
      try {
        localStorage.setItem(THREADS_STALLED_KEY, navigator.userAgent);
      } catch {
        // Not remembered: the next visit waits for the threaded build again.
      }
      return loadModel(avoid, true, retries);
    }
    if (why === 'unresponsive' && retries < MAX_UNRESPONSIVE_RETRIES) return loadModel(avoid, threadsStalled, retries + 1);
    set({ model: { status: 'error', info: null, error: message(error) } });
  }
  await Promise.all([refreshMemory(), refreshStorage()]);
}


/** Restarts tried within RESTART_WINDOW_MS before crash recovery gives up. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

/**
 * When the worker dies (a crash, a lost GPU device) the project is safe in IndexedDB: say so,
 * start a new worker (avoiding WebGPU if the GPU was lost), and restore everything from storage.
 * After MAX_RESTARTS restarts within a minute it gives up and says so, instead of looping.
 */
export function recoverFromWorkerCrashes(): () => void {
  let restarts: number[] = [];
  return onWorkerCrash((reason) => {
    const s = get();
    const now = Date.now();
    restarts = restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (restarts.length >= MAX_RESTARTS) {
      forgetShownProject();
      set({ model: { status: 'error', info: null, error: `the ML worker stopped ${restarts.length + 1} times in a row (${reason})` } });
      notify('error', `The ML worker keeps stopping (${reason}), so Headstart stopped restarting it. Your saved classes and images are safe; reload the page to try again.`);
      return;
    }
    restarts.push(now);
    const failed = s.model.info?.choice.backend;
    const avoid: BackendName[] = /GPU device/.test(reason) && failed ? [failed] : [];
    const during = s.training.status === 'training' ? ' during training' : s.ingest ? ' while adding images' : '';
    notify('error', `The ML worker stopped unexpectedly${during}: ${reason}. Restarting it; your saved classes and images are being restored${during === ' during training' ? ', then train again' : ''}.`);
    forgetShownProject();
    void loadModel(avoid);
  });
}
