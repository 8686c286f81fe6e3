/** The whole project: bringing the saved one back, and clearing what the page shows of it. */
import * as db from '../platform/db';
import { workerApi } from '../worker/client';
import { get, set } from './base';
import { ingest } from './ingest';
import { runCommand } from './queue';
import { showSamples, toInput } from './samples';
import { askToKeepStorageOnce } from './storage';
import { initialState } from './store';
import { forgetAllThumbnails } from './thumbnails';

/**
 * Brings back the saved project: classes, settings, images (embeddings come from IndexedDB,
 * so nothing is recomputed) and the trained head. Queued like every command.
 */
export function restoreProject(): Promise<void> {
  return runCommand('restore the saved project', 'all', restoreSaved).then(() => undefined);
}

/** The restore itself, run inside a queued command (opening a project file runs it too). */
export async function restoreSaved(signal: AbortSignal): Promise<void> {
  const { project, samples } = await db.loadProject();
  if (!project) return;
  const classIds = new Set(project.classes.map((c) => c.id));
  const kept = samples.filter((x) => classIds.has(x.classId));
  // Rows of a class that no longer exists (left by an older version) are cleared, not kept hidden.
  const orphans = samples.filter((x) => !classIds.has(x.classId));
  if (orphans.length > 0) await db.deleteSamples(orphans.map((x) => x.id), project);
  set({ settings: { ...get().settings, ...project.settings }, classes: project.classes.map((c) => ({ ...c, sampleIds: [] })), kept: project.kept ?? { labels: {}, pairs: [] } });
  const byId = new Map(kept.map((x) => [x.id, x]));
  // Without storage the worker keeps no originals of its own: a new worker is given them.
  const inputs = (await db.storageProblem()) ? await db.getSamples(kept.map((x) => x.id)) : kept;
  // Already saved: each batch is only shown.
  await ingest(inputs.map(toInput), 'restored', signal, async (accepted) => {
    showSamples(accepted.map((r) => byId.get(r.id) as db.SavedSample));
    return [];
  });
  if (kept.length > 0) askToKeepStorageOnce();
  const summary = await workerApi().restoreHead();
  if (summary) set({ training: { status: 'trained', history: summary.history, summary, error: null, stale: false } });
}

/** Clears what the page shows of the project (not storage), before restoring it into a new worker. */
export function forgetShownProject(): void {
  forgetAllThumbnails();
  const fresh = initialState();
  set({ classes: [], samples: {}, selected: [], ingest: null, training: fresh.training, memory: null });
}
