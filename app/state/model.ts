/** Starting the worker, choosing the backend, loading the backbone, restoring the saved project. */
import { callback, endWorker, onWorkerCrash, workerApi, workerDied } from '../worker/client';
import { BACKEND_NAMES, type BackendName, type BackendRequest, type RememberedBackend, type ThreadsStage } from '../worker/protocol';
import { requestedThreads, THREADS_START_TIMEOUT_MS } from '../worker/wasmThreads';
import { get, message, notify, refreshMemory, refreshStorage, set } from './base';
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

/**
 * Starts the worker and loads the model. A worker whose threaded wasm build has not started within
 * THREADS_START_TIMEOUT_MS is ended and a single-threaded one started in its place, remembered for this browser.
 */
export async function loadModel(avoid: BackendName[] = [], threadsStalled = threadsStalledBefore()): Promise<void> {
  set({ model: { status: 'loading', info: null, error: null } });
  let stalled = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const watchThreads = (stage: ThreadsStage) => {
    clearTimeout(watchdog);
    if (stage !== 'starting') return;
    watchdog = setTimeout(() => {
      stalled = true;
      endWorker(`the threaded wasm build did not start within ${THREADS_START_TIMEOUT_MS / 1000} s`);
    }, THREADS_START_TIMEOUT_MS);
  };
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
      callback(watchThreads),
    );
    if (info.choice.remember) localStorage.setItem(REMEMBER_KEY, JSON.stringify(info.choice.remember));
    await restoreProject();
    set({ model: { status: 'ready', info, error: null } });
  } catch (error) {
    clearTimeout(watchdog);
    if (stalled) {
      try {
        localStorage.setItem(THREADS_STALLED_KEY, navigator.userAgent);
      } catch {
        // Not remembered: the next visit waits for the threaded build again.
      }
      return loadModel(avoid, true);
    }
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
