/**
 * Watches the ML worker while it loads the model, for the two ways a load can hang for good
 * (docs/browsers.md): the worker's thread blocked (Firefox under automation blocked inside `new Worker()`
 * for a pthread, so it answers nothing; any other block of that thread looks the same), or the threaded
 * wasm build's start never finishing while the worker still answers. Plain timers and a ping, no DOM:
 * unit-tested in Node.
 */
import type { ThreadsStage } from '../worker/protocol';
import { THREADS_START_TIMEOUT_MS } from '../worker/wasmThreads';

/** How long a ping may go unanswered, or the threaded build take to start, before the load is given up. */
export const STUCK_MS = THREADS_START_TIMEOUT_MS;
/** The pause between answered pings. */
const PING_EVERY_MS = 1_000;

/** 'threads': stuck in the threaded wasm build's start; 'unresponsive': the worker stopped answering elsewhere. */
export type Stuck = 'threads' | 'unresponsive';

export interface LoadWatch {
  /** What the worker said of the threaded build's start (init's onThreads). */
  stage(stage: ThreadsStage): void;
  /** The load ended (either way): stop watching. */
  stop(): void;
}

/**
 * Calls `onStuck` once if `ping` goes unanswered for `stuckMs`, or the threaded build's start takes
 * longer than that; a ping unanswered while that start is under way counts as stuck in it.
 */
export function watchLoad(ping: () => Promise<unknown>, onStuck: (why: Stuck) => void, stuckMs = STUCK_MS): LoadWatch {
  let done = false;
  let threadsTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setTimeout> | undefined;
  const stuck = (why: Stuck) => {
    if (done) return;
    watch.stop();
    onStuck(why);
  };
  const pingOnce = () => {
    if (done) return;
    pingTimer = setTimeout(() => stuck(threadsTimer === undefined ? 'unresponsive' : 'threads'), stuckMs);
    ping().then(
      () => {
        clearTimeout(pingTimer);
        if (!done) pingTimer = setTimeout(pingOnce, PING_EVERY_MS);
      },
      // A ping that fails means the worker is gone; the load's own call fails with the reason.
      () => clearTimeout(pingTimer),
    );
  };
  const watch: LoadWatch = {
    stage(stage) {
      clearTimeout(threadsTimer);
      threadsTimer = stage === 'starting' && !done ? setTimeout(() => stuck('threads'), stuckMs) : undefined;
    },
    stop() {
      done = true;
      clearTimeout(threadsTimer);
      clearTimeout(pingTimer);
    },
  };
  pingOnce();
  return watch;
}
