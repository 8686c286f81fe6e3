/** Small helpers every command module shares. */
import { workerApi } from '../worker/client';
import type { MemoryInfo } from '../worker/protocol';
import { storageProblem } from '../platform/db';
import { storageEstimate } from '../platform/storage';
import { twoClassesHaveImages, useStore, type HeadstartState, type Notice, type NoticeCause } from './store';

let noticeId = 0;

export const set = (partial: Partial<HeadstartState> | ((s: HeadstartState) => Partial<HeadstartState>)) => useStore.setState(partial);
export const get = () => useStore.getState();

/** Shows a notice; one given `until` goes by itself once that holds (else the user dismisses it). */
export function notify(kind: Notice['kind'], text: string, action?: Notice['action'], until?: NoticeCause): void {
  set((s) => ({ notices: [...s.notices, { id: ++noticeId, kind, text, action, until }] }));
}

const holds: Record<NoticeCause, (s: HeadstartState) => boolean> = {
  'two-classes': twoClassesHaveImages,
  'active-class': (s) => s.activeClassId !== null,
};

// Whatever changed the state (images added, restored, undone; a class clicked), a notice whose cause is gone goes.
useStore.subscribe((s) => {
  if (s.notices.some((n) => n.until && holds[n.until](s))) set({ notices: s.notices.filter((n) => !(n.until && holds[n.until](s))) });
});

export function dismissNotice(id: number): void {
  set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How often the memory figures are read again while mirrors are still owed (they are computed behind, unasked). */
export const MIRRORS_WATCH_MS = 2000;
/** Reads in a row that saw no mirror computed before the watch stops (the worker busy, or an original missing). */
export const MIRRORS_WATCH_PATIENCE = 3;

export interface MirrorsWatch {
  owed: number;
  computed: number;
  /** Watch reads in a row that saw the same figures. */
  unchanged: number;
}

/**
 * After a read of the worker's figures (`watching`: one of the watch's own, not a command's): the watch's
 * state and whether to read again. Again while mirrors are owed, unless MIRRORS_WATCH_PATIENCE watch reads in
 * a row saw none computed; a command's read starts the count afresh.
 */
export function watchMirrors(prev: MirrorsWatch, memory: Pick<MemoryInfo, 'mirrorsOwed' | 'mirrorsComputed'>, watching: boolean): { watch: MirrorsWatch; again: boolean } {
  const same = memory.mirrorsOwed === prev.owed && memory.mirrorsComputed === prev.computed;
  const watch = { owed: memory.mirrorsOwed, computed: memory.mirrorsComputed, unchanged: watching && same ? prev.unchanged + 1 : 0 };
  return { watch, again: memory.mirrorsOwed > 0 && watch.unchanged < MIRRORS_WATCH_PATIENCE };
}

let mirrorsWatch: ReturnType<typeof setTimeout> | null = null;
let watched: MirrorsWatch = { owed: -1, computed: -1, unchanged: 0 };

/**
 * Reads the worker's memory figures; informative only, so a dead worker just leaves them as they were.
 * While mirrors are still owed they are read again every MIRRORS_WATCH_MS (watchMirrors), so Under the hood
 * counts them down as the worker computes them behind.
 */
export async function refreshMemory(watching = false): Promise<void> {
  try {
    const memory = await workerApi().memory();
    set({ memory });
    const next = watchMirrors(watched, memory, watching);
    watched = next.watch;
    if (next.again && mirrorsWatch === null)
      mirrorsWatch = setTimeout(() => {
        mirrorsWatch = null;
        void refreshMemory(true);
      }, MIRRORS_WATCH_MS);
  } catch {
    // The crash handler tells the user about a dead worker.
  }
}

export async function refreshStorage(): Promise<void> {
  try {
    const [estimate, problem] = await Promise.all([storageEstimate(), storageProblem()]);
    set({ storage: { ...estimate, available: problem === null } });
  } catch {
    // Storage estimates are informative only.
  }
}

export function markStale(): void {
  set((s) => (s.training.summary ? { training: { ...s.training, stale: true } } : {}));
}
