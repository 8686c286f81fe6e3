/**
 * The project: classes and their images, kept in the worker (embeddings) and IndexedDB (files,
 * names, order) at once. Every change writes IndexedDB in one transaction first, so a failed
 * write leaves the project as it was.
 */
import * as db from '../platform/db';
import { requestPersistence } from '../platform/storage';
import { callback, workerApi } from '../worker/client';
import type { SampleInput, SampleResult } from '../worker/protocol';
import { get, markStale, message, notify, refreshMemory, refreshStorage, set } from './base';
import { initialState, type ClassInfo, type HeadstartState, type Sample } from './store';
import { forgetAllThumbnails, forgetThumbnails, keepThumbnails } from './thumbnails';

/** The saved project's plain record, derived from the store. */
export function projectRecord(s: Pick<HeadstartState, 'classes' | 'settings'> = get()): db.StoredProject {
  return { classes: s.classes.map(({ id, name }) => ({ id, name })), settings: s.settings };
}

export async function saveProject(): Promise<void> {
  try {
    await db.saveProject(projectRecord());
  } catch (error) {
    notify('error', `Could not save the project: ${message(error)}`);
  }
}

/** Shows samples the worker accepted: appends them to their classes, with thumbnails. */
function showSamples(added: { id: string; classId: string; name: string; thumbnail: Blob }[]): void {
  if (added.length === 0) return;
  keepThumbnails(added);
  set((s) => {
    const samples = { ...s.samples };
    for (const r of added) samples[r.id] = { id: r.id, classId: r.classId, name: r.name };
    return {
      samples,
      classes: s.classes.map((c) => ({ ...c, sampleIds: [...c.sampleIds, ...added.filter((r) => r.classId === c.id).map((r) => r.id)] })),
    };
  });
}

function forgetSamples(ids: Set<string>): Pick<HeadstartState, 'samples' | 'classes' | 'selected'> {
  const s = get();
  const samples: Record<string, Sample> = {};
  for (const [id, x] of Object.entries(s.samples)) if (!ids.has(id)) samples[id] = x;
  forgetThumbnails(ids);
  return {
    samples,
    classes: s.classes.map((c) => ({ ...c, sampleIds: c.sampleIds.filter((x) => !ids.has(x)) })),
    selected: s.selected.filter((x) => !ids.has(x)),
  };
}

const toInput = (x: db.StoredSample): SampleInput => ({ id: x.id, classId: x.classId, name: x.name, blob: x.blob, hash: x.hash, thumbnail: x.thumbnail });

/**
 * Brings back the saved project: classes, settings, images (embeddings come from IndexedDB,
 * so nothing is recomputed) and the trained head.
 */
export async function restoreProject(): Promise<void> {
  const { project, samples } = await db.loadProject();
  if (!project) return;
  const classIds = new Set(project.classes.map((c) => c.id));
  const kept = samples.filter((x) => classIds.has(x.classId));
  set({ settings: { ...get().settings, ...project.settings }, classes: project.classes.map((c) => ({ ...c, sampleIds: [] })) });
  const byId = new Map(kept.map((x) => [x.id, x]));
  // Already saved: each batch is only shown.
  await ingest(kept.map(toInput), 'restored', async (accepted) => showSamples(accepted.map((r) => byId.get(r.id) as db.StoredSample)));
  const summary = await workerApi().restoreHead();
  if (summary) set({ training: { status: 'trained', history: summary.history, summary, error: null, stale: false } });
}

/** Clears what the page shows of the project (not storage), before restoring it into a new worker. */
export function forgetShownProject(): void {
  forgetAllThumbnails();
  const fresh = initialState();
  set({ classes: [], samples: {}, selected: [], ingest: null, training: fresh.training, memory: null });
}

/** Deletes every class, image, embedding and trained head, here and in IndexedDB. */
export async function deleteAllData(): Promise<void> {
  await workerApi().reset();
  await db.clearAll();
  forgetShownProject();
  const s = get();
  if (s.prediction.imageUrl) URL.revokeObjectURL(s.prediction.imageUrl);
  undo = null;
  set({ ...initialState(), model: s.model, notices: [] });
  notify('info', 'All data deleted: a new, empty project.');
  await Promise.all([refreshMemory(), refreshStorage()]);
}

/** A class name that is not empty and not already taken (case-insensitive), or an error message. */
export function validateClassName(name: string, classes: ClassInfo[], ignoreId?: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'A class name cannot be empty.';
  if (classes.some((c) => c.id !== ignoreId && c.name.toLowerCase() === trimmed.toLowerCase())) return `There is already a class named "${trimmed}".`;
  return null;
}

/** Adds a class with the given name (made unique) or "Class N"; returns its id. */
export function addClass(wanted?: string): string {
  const { classes } = get();
  const base = wanted?.trim() || 'Class';
  let name = wanted?.trim() || `Class ${classes.length + 1}`;
  for (let n = wanted?.trim() ? 2 : classes.length + 2; validateClassName(name, classes); n++) name = `${base} ${n}`;
  const id = crypto.randomUUID();
  set({ classes: [...classes, { id, name, sampleIds: [] }], activeClassId: id });
  markStale();
  void saveProject();
  return id;
}

/** Renames a class; returns the error shown to the user, or null when renamed. */
export function renameClass(id: string, name: string): string | null {
  const error = validateClassName(name, get().classes, id);
  if (error) {
    notify('error', error);
    return error;
  }
  set((s) => ({ classes: s.classes.map((c) => (c.id === id ? { ...c, name: name.trim() } : c)) }));
  void saveProject();
  return null;
}

/** Moves a class up (-1) or down (+1) in the list. */
export function moveClass(id: string, delta: -1 | 1): void {
  const classes = get().classes.slice();
  const from = classes.findIndex((c) => c.id === id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= classes.length) return;
  [classes[from], classes[to]] = [classes[to], classes[from]];
  set({ classes });
  void saveProject();
}

export function setActiveClass(id: string): void {
  if (get().activeClassId !== id) set({ activeClassId: id });
}

export function toggleSelected(id: string): void {
  set((s) => ({ selected: s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id] }));
}

export function clearSelection(): void {
  set({ selected: [] });
}

/** What the last delete removed, so it can be undone (images come back without re-embedding). */
let undo: { classes: { info: { id: string; name: string }; index: number }[]; samples: db.StoredSample[] } | null = null;

async function remove(sampleIds: string[], classIds: string[], what: string): Promise<void> {
  const s = get();
  const goneClasses = new Set(classIds);
  const ids = new Set([...sampleIds, ...s.classes.filter((c) => goneClasses.has(c.id)).flatMap((c) => c.sampleIds)]);
  const classes = s.classes.filter((c) => !goneClasses.has(c.id));
  let stored: db.StoredSample[];
  try {
    stored = await db.getSamples([...ids]);
    await db.deleteSamples([...ids], projectRecord({ ...s, classes }));
  } catch (error) {
    notify('error', `Could not delete ${what}: ${message(error)}`);
    return;
  }
  await workerApi().removeSamples([...ids]);
  undo = {
    classes: s.classes.flatMap((c, index) => (goneClasses.has(c.id) ? [{ info: { id: c.id, name: c.name }, index }] : [])),
    samples: stored,
  };
  const remaining = forgetSamples(ids);
  set({ ...remaining, classes: remaining.classes.filter((c) => !goneClasses.has(c.id)) });
  notify('info', `Deleted ${what}.`, 'undo');
  markStale();
  await Promise.all([refreshMemory(), refreshStorage()]);
}

export function deleteClass(id: string): Promise<void> {
  const cls = get().classes.find((c) => c.id === id);
  return cls ? remove([], [id], `class "${cls.name}" and its ${cls.sampleIds.length} image(s)`) : Promise.resolve();
}

export function deleteSamples(ids: string[]): Promise<void> {
  const one = ids.length === 1 ? get().samples[ids[0]]?.name : null;
  return remove(ids, [], one ?? `${ids.length} images`);
}

/** Puts back what the last delete removed. */
export async function undoDelete(): Promise<void> {
  const last = undo;
  undo = null;
  if (!last) return;
  set((s) => {
    const classes = s.classes.slice();
    for (const { info, index } of last.classes) classes.splice(Math.min(index, classes.length), 0, { ...info, sampleIds: [] });
    return { classes, notices: s.notices.filter((n) => n.action !== 'undo') };
  });
  const known = new Set(get().classes.map((c) => c.id));
  await addSamples(last.samples.filter((x) => known.has(x.classId)).map(toInput), 'restored');
}

/** Moves images to another class (their embeddings are reused as they are). */
export async function moveSamples(ids: string[], classId: string): Promise<void> {
  const target = get().classes.find((c) => c.id === classId);
  if (!target || ids.length === 0) return;
  try {
    await db.moveSamples(ids, classId, target.sampleIds.length);
  } catch (error) {
    notify('error', `Could not move the images: ${message(error)}`);
    return;
  }
  await workerApi().moveSamples(ids, classId);
  const moving = new Set(ids);
  set((s) => {
    const samples = { ...s.samples };
    for (const id of ids) if (samples[id]) samples[id] = { ...samples[id], classId };
    return {
      samples,
      selected: [],
      classes: s.classes.map((c) =>
        c.id === classId ? { ...c, sampleIds: [...c.sampleIds.filter((x) => !moving.has(x)), ...ids] } : { ...c, sampleIds: c.sampleIds.filter((x) => !moving.has(x)) },
      ),
    };
  });
  markStale();
}

type Accepted = Extract<SampleResult, { ok: true }>;

/**
 * Hands samples to the worker and handles its results batch by batch, as they come: so a large
 * drop appears (and is saved) progressively and no single step blocks the page for long.
 * `handle` runs for each batch's accepted samples, one batch at a time, in order.
 */
async function ingest(inputs: SampleInput[], verb: 'added' | 'restored', handle: (accepted: Accepted[]) => Promise<void>): Promise<void> {
  set({ ingest: { done: 0, total: inputs.length } });
  let handled = Promise.resolve();
  try {
    await workerApi().addSamples(
      inputs,
      callback(({ done, total, results }) => {
        const accepted = results.filter((r): r is Accepted => r.ok);
        // The batch, its progress and its notices reach the page in one update (one render).
        handled = handled.then(async () => {
          if (accepted.length > 0) await handle(accepted);
          set({ ingest: { done, total } });
          for (const r of results) if (!r.ok) notify('error', `${r.name} was not ${verb}: ${r.error}.`);
        });
      }),
    );
    await handled;
  } catch (error) {
    notify('error', `Adding images failed: ${message(error)}`);
  } finally {
    set({ ingest: null });
    await Promise.all([refreshMemory(), refreshStorage()]);
  }
}

/** Adds samples: the worker embeds them, then each batch is saved in one transaction and shown. */
async function addSamples(inputs: SampleInput[], verb: 'added' | 'restored'): Promise<void> {
  if (inputs.length === 0) return;
  const byId = new Map(inputs.map((x) => [x.id, x]));
  let saved = 0;
  const unsaved: { count: number; reason: string } = { count: 0, reason: '' };
  await ingest(inputs, verb, async (accepted) => {
    const counts = new Map(get().classes.map((c) => [c.id, c.sampleIds.length]));
    const records = accepted.map((r) => {
      const input = byId.get(r.id) as SampleInput;
      const order = counts.get(input.classId) ?? 0;
      counts.set(input.classId, order + 1);
      return { id: r.id, classId: input.classId, name: r.name, blob: input.blob, hash: r.hash, thumbnail: r.thumbnail, order };
    });
    try {
      await db.addSamples(records, projectRecord());
      saved += records.length;
      showSamples(records);
      markStale();
      askToKeepStorageOnce();
    } catch (error) {
      // Nothing of this batch was written (one transaction): take it back out of the worker too.
      await workerApi().removeSamples(records.map((r) => r.id));
      unsaved.count += records.length;
      unsaved.reason = error instanceof DOMException && error.name === 'QuotaExceededError' ? 'the browser storage is full' : message(error);
    }
  });
  if (unsaved.count > 0) {
    const kept = saved === 0 ? 'The project is unchanged.' : `The other ${saved} were ${verb}.`;
    notify('error', `${unsaved.count} image(s) were not ${verb} because they could not be saved: ${unsaved.reason}. ${kept}`);
  }
}

let askedToKeep = false;

/** Once the project holds images, ask the browser (silently) not to evict its storage. */
function askToKeepStorageOnce(): void {
  if (askedToKeep) return;
  askedToKeep = true;
  void requestPersistence().catch(() => false);
}

/** Adds image files to a class: the worker decodes and embeds each once; bad files are named in a notice. */
export function addFiles(classId: string, files: readonly File[]): Promise<void> {
  return addSamples(
    files.map((file) => ({ id: crypto.randomUUID(), classId, name: file.name || 'pasted image', blob: file })),
    'added',
  );
}

/** Asks the browser to keep the project's storage (not evict it under pressure). */
export async function keepStorage(): Promise<void> {
  const granted = await requestPersistence();
  notify('info', granted ? 'The browser will keep this project’s storage.' : 'The browser did not grant persistent storage; it may evict data when space runs low.');
  await refreshStorage();
}
