/** Small helpers every command module shares. */
import { workerApi } from '../worker/client';
import { storageEstimate } from '../platform/storage';
import { useStore, type HeadstartState, type Notice } from './store';

let noticeId = 0;

export const set = (partial: Partial<HeadstartState> | ((s: HeadstartState) => Partial<HeadstartState>)) => useStore.setState(partial);
export const get = () => useStore.getState();

export function notify(kind: Notice['kind'], text: string, action?: Notice['action']): void {
  set((s) => ({ notices: [...s.notices, { id: ++noticeId, kind, text, action }] }));
}

export function dismissNotice(id: number): void {
  set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads the worker's memory figures; informative only, so a dead worker just leaves them as they were. */
export async function refreshMemory(): Promise<void> {
  try {
    set({ memory: await workerApi().memory() });
  } catch {
    // The crash handler tells the user about a dead worker.
  }
}

export async function refreshStorage(): Promise<void> {
  try {
    set({ storage: await storageEstimate() });
  } catch {
    // Storage estimates are informative only.
  }
}

export function markStale(): void {
  set((s) => (s.training.summary ? { training: { ...s.training, stale: true } } : {}));
}
