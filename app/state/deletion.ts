/**
 * Deleting images and classes (with undo) and the whole project. Deletes go through the command
 * queue; deleting a class first cancels the work on it (an ingest into it), deleting everything
 * cancels all work and waits for the writes in flight before it clears storage. Leaving a project
 * (leaveProject) is shared with opening a project file.
 */
import * as db from '../platform/db';
import { workerApi } from '../worker/client';
import { get, markStale, notify, refreshMemory, refreshStorage, set } from './base';
import { forgetHeatMap } from './heatMap';
import { ingestAndSave } from './ingest';
import { forgetLabelCheck } from './labelCheck';
import { forgetShownProject } from './project';
import { cancelJobs, runCommand } from './queue';
import { projectRecord, toInput, withoutSamples } from './samples';
import { initialState, type ClassInfo } from './store';

/** What the last delete removed, so it can be undone (images come back without re-embedding). */
let undo: { classes: { info: { id: string; name: string }; index: number }[]; samples: db.StoredSample[] } | null = null;

type Gone = { cls: ClassInfo; index: number };

/** Deletes images, and whole classes already taken off the screen, from storage and the worker. */
async function remove(sampleIds: string[], gone: Gone[], what: () => string): Promise<void> {
  const s = get();
  const goneIds = new Set(gone.map((g) => g.cls.id));
  // A class's images are every sample filed under it, including a batch saved while it was leaving.
  const ids = new Set([...sampleIds.filter((id) => s.samples[id]), ...Object.values(s.samples).filter((x) => goneIds.has(x.classId)).map((x) => x.id)]);
  const classes = s.classes.filter((c) => !goneIds.has(c.id));
  const stored = await db.getSamples([...ids]);
  await db.deleteSamples([...ids], projectRecord({ ...s, classes }));
  await workerApi().forget([...ids]);
  undo = { classes: gone.map(({ cls, index }) => ({ info: { id: cls.id, name: cls.name }, index })), samples: stored };
  const remaining = withoutSamples(ids);
  set({ ...remaining, classes: remaining.classes.filter((c) => !goneIds.has(c.id)) });
  notify('info', `Deleted ${what()}.`, 'undo');
  markStale();
  await Promise.all([refreshMemory(), refreshStorage()]);
}

/**
 * Deletes a class: it leaves the screen at once (so its name is free and nothing more is added to
 * it), the work on it is cancelled, and the queued delete then clears it from storage and the
 * worker. If that fails, the class comes back where it was.
 */
export function deleteClass(id: string): Promise<void> {
  const s = get();
  const index = s.classes.findIndex((c) => c.id === id);
  if (index < 0) return Promise.resolve();
  const cls = s.classes[index];
  set({ classes: s.classes.filter((c) => c.id !== id), activeClassId: s.activeClassId === id ? null : s.activeClassId });
  cancelJobs([id]);
  return runCommand(`delete class "${cls.name}"`, [id], async () => {
    try {
      await remove([], [{ cls, index }], () => `class "${cls.name}" and its ${cls.sampleIds.length} image(s)`);
    } catch (error) {
      set((now) => ({ classes: [...now.classes.slice(0, index), cls, ...now.classes.slice(index)] }));
      throw error;
    }
  }).then(() => undefined);
}

export function deleteSamples(ids: string[]): Promise<void> {
  const classIds = [...new Set(ids.map((id) => get().samples[id]?.classId).filter((c) => c !== undefined))];
  const one = ids.length === 1 ? get().samples[ids[0]]?.name : null;
  const what = one ?? `${ids.length} images`;
  return runCommand(`delete ${what}`, classIds, () => remove(ids, [], () => what)).then(() => undefined);
}

/**
 * Puts back what the last delete removed: its classes at once (their names are taken again, and they
 * are saved even when empty), then, queued, its images (without re-embedding). Offered once the delete
 * has finished (its notice carries the button).
 */
export function undoDelete(): Promise<void> {
  const last = undo;
  undo = null;
  set((s) => ({ notices: s.notices.filter((n) => n.action !== 'undo') }));
  if (!last) return Promise.resolve();
  const back = last.classes.map(({ info }) => info.id);
  set((s) => {
    const classes = s.classes.slice();
    for (const { info, index } of last.classes) classes.splice(Math.min(index, classes.length), 0, { ...info, sampleIds: [] });
    return { classes };
  });
  const scope = [...new Set([...back, ...last.samples.map((x) => x.classId)])];
  return runCommand('undo the delete', scope, async (signal) => {
    try {
      await db.saveProject(projectRecord());
    } catch (error) {
      set((s) => ({ classes: s.classes.filter((c) => !back.includes(c.id)) }));
      throw error;
    }
    const known = new Set(get().classes.map((c) => c.id));
    await ingestAndSave(last.samples.filter((x) => known.has(x.classId)).map((x) => ({ ...toInput(x), blob: x.blob })), 'restored', signal);
  }).then(() => undefined);
}

/**
 * Leaves the current project for another (delete all, open a project file). It leaves the screen at once,
 * so whatever the user does next belongs to the next project; all work in flight is cancelled, and `enter`
 * runs, queued, once that work has wound down and the worker is reset. What the old project's work still
 * left as it wound down (a running delete's Undo, a stopped check, a batch saved as it left) goes first.
 */
export function leaveProject(what: string, enter: (signal: AbortSignal) => Promise<void>): Promise<void> {
  cancelJobs('all');
  const { model } = get();
  forgetShownProject();
  forgetLeftOver();
  set({ ...initialState(), model, notices: [] });
  return runCommand(what, 'all', async (signal) => {
    forgetLeftOver();
    set((now) => ({
      training: initialState().training,
      samples: Object.fromEntries(Object.entries(now.samples).filter(([, x]) => now.classes.some((c) => c.id === x.classId))),
    }));
    await workerApi().reset();
    await enter(signal);
    await Promise.all([refreshMemory(), refreshStorage()]);
  }).then(() => undefined);
}

/** What belongs to the project being left outside its classes and images: the undo, the preview, the label check, the heat map. */
function forgetLeftOver(): void {
  const { prediction } = get();
  if (prediction.imageUrl) URL.revokeObjectURL(prediction.imageUrl);
  undo = null;
  set((s) => ({ prediction: initialState().prediction, notices: s.notices.filter((n) => n.action !== 'undo') }));
  forgetLabelCheck();
  forgetHeatMap();
}

/** Deletes every class, image, embedding and trained head, here and in IndexedDB: a new, empty project. */
export function deleteAllData(): Promise<void> {
  return leaveProject('delete all data', async () => {
    await db.clearAll();
    notify('info', 'All data deleted: a new, empty project.');
  });
}
