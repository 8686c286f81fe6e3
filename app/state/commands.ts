/**
 * Async actions: each calls the worker and then updates the store. Components call these;
 * they never talk to the worker themselves.
 */
import * as db from '../platform/db';
import { groupByFolder, readZip, writeDatasetZip, type GroupedDataset, type PathedFile } from '../platform/dataset';
import { downloadBlob } from '../platform/download';
import { requestPersistence, storageEstimate } from '../platform/storage';
import { callback, workerApi } from '../worker/client';
import { BACKEND_NAMES, type BackendRequest, type RememberedBackend, type SampleInput } from '../worker/protocol';
import { initialState, useStore, type ClassInfo, type HeadstartState } from './store';

const REMEMBER_KEY = 'headstart.backend';
let noticeId = 0;

const set = (partial: Partial<HeadstartState> | ((s: HeadstartState) => Partial<HeadstartState>)) => useStore.setState(partial);
const get = () => useStore.getState();

export function notify(kind: 'error' | 'info', text: string): void {
  set((s) => ({ notices: [...s.notices, { id: ++noticeId, kind, text }] }));
}

export function dismissNotice(id: number): void {
  set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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

export async function loadModel(): Promise<void> {
  set({ model: { status: 'loading', info: null, error: null } });
  try {
    const info = await workerApi().init({
      backend: requestedBackend(location.search),
      backboneId: new URLSearchParams(location.search).get('backbone') ?? undefined,
      baseUrl: new URL(import.meta.env.BASE_URL, location.href).href,
      remembered: readRemembered(),
    });
    if (info.choice.remember) localStorage.setItem(REMEMBER_KEY, JSON.stringify(info.choice.remember));
    await restoreProject();
    set({ model: { status: 'ready', info, error: null } });
  } catch (error) {
    set({ model: { status: 'error', info: null, error: message(error) } });
  }
  await refreshMemory();
}

/** The saved project's plain record, derived from the store. */
function projectRecord(s: HeadstartState = get()): db.StoredProject {
  return { classes: s.classes.map(({ id, name }) => ({ id, name })), settings: s.settings };
}

async function saveProject(): Promise<void> {
  try {
    await db.saveProject(projectRecord());
  } catch (error) {
    notify('error', `Could not save the project: ${message(error)}`);
  }
}

/**
 * Brings back the saved project: classes, settings, images (embeddings come from IndexedDB,
 * so nothing is recomputed) and the trained head.
 */
async function restoreProject(): Promise<void> {
  const { project, samples } = await db.loadProject();
  if (!project) return;
  const classIds = new Set(project.classes.map((c) => c.id));
  const kept = samples.filter((x) => classIds.has(x.classId));
  const results = await workerApi().addSamples(
    kept.map((x) => ({ id: x.id, classId: x.classId, name: x.name, blob: x.blob, hash: x.hash, thumbnail: x.thumbnail })),
  );
  const ok = new Set(results.filter((r) => r.ok).map((r) => r.id));
  const restored = kept.filter((x) => ok.has(x.id));
  set({
    settings: { ...get().settings, ...project.settings },
    classes: project.classes.map((c) => ({ ...c, sampleIds: restored.filter((x) => x.classId === c.id).map((x) => x.id) })),
    samples: Object.fromEntries(restored.map((x) => [x.id, { id: x.id, classId: x.classId, name: x.name, thumbUrl: URL.createObjectURL(x.thumbnail) }])),
  });
  for (const r of results) if (!r.ok) notify('error', `${r.name} could not be restored: ${r.error}.`);
  const summary = await workerApi().restoreHead();
  if (summary) set({ training: { status: 'trained', history: summary.history, summary, error: null, stale: false } });
  await refreshStorage();
}

export async function refreshStorage(): Promise<void> {
  try {
    set({ storage: await storageEstimate() });
  } catch {
    // Storage estimates are informative only.
  }
}

/** Deletes every class, image, embedding and trained head, here and in IndexedDB. */
export async function deleteAllData(): Promise<void> {
  await workerApi().reset();
  await db.clearAll();
  const s = get();
  Object.values(s.samples).forEach((x) => URL.revokeObjectURL(x.thumbUrl));
  if (s.prediction.imageUrl) URL.revokeObjectURL(s.prediction.imageUrl);
  set({ ...initialState(), model: s.model, notices: [] });
  notify('info', 'All data deleted: a new, empty project.');
  await Promise.all([refreshMemory(), refreshStorage()]);
}

export async function refreshMemory(): Promise<void> {
  set({ memory: await workerApi().memory() });
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
  let name = wanted?.trim() || `Class ${classes.length + 1}`;
  const base = wanted?.trim() ? name : 'Class';
  for (let n = wanted?.trim() ? 2 : classes.length + 2; validateClassName(name, classes); n++) name = `${base} ${n}`;
  const id = crypto.randomUUID();
  set({ classes: [...classes, { id, name, sampleIds: [] }] });
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

export async function deleteClass(id: string): Promise<void> {
  const cls = get().classes.find((c) => c.id === id);
  if (!cls) return;
  const remaining = get().classes.filter((c) => c.id !== id);
  try {
    await db.deleteSamples(cls.sampleIds, projectRecord({ ...get(), classes: remaining }));
  } catch (error) {
    notify('error', `Could not delete ${cls.name}: ${message(error)}`);
    return;
  }
  await workerApi().removeClass(id);
  cls.sampleIds.forEach((sid) => URL.revokeObjectURL(get().samples[sid]?.thumbUrl ?? ''));
  set((s) => {
    const samples = { ...s.samples };
    cls.sampleIds.forEach((sid) => delete samples[sid]);
    return { classes: s.classes.filter((c) => c.id !== id), samples };
  });
  markStale();
  await refreshMemory();
}

export async function deleteSample(id: string): Promise<void> {
  const sample = get().samples[id];
  if (!sample) return;
  try {
    await db.deleteSamples([id], projectRecord());
  } catch (error) {
    notify('error', `Could not delete ${sample.name}: ${message(error)}`);
    return;
  }
  await workerApi().removeSamples([id]);
  URL.revokeObjectURL(sample.thumbUrl);
  set((s) => {
    const samples = { ...s.samples };
    delete samples[id];
    return {
      samples,
      classes: s.classes.map((c) => (c.id === sample.classId ? { ...c, sampleIds: c.sampleIds.filter((x) => x !== id) } : c)),
    };
  });
  markStale();
  await refreshMemory();
}

function markStale(): void {
  set((s) => (s.training.summary ? { training: { ...s.training, stale: true } } : {}));
}

/** Adds image files to a class: the worker decodes and embeds each once; bad files are named in a notice. */
export async function addFiles(classId: string, files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  const inputs: SampleInput[] = files.map((file) => ({ id: crypto.randomUUID(), classId, name: file.name, blob: file }));
  set({ ingest: { done: 0, total: inputs.length } });
  try {
    const results = await workerApi().addSamples(inputs, callback((p) => set({ ingest: p })));
    let added = results.filter((r) => r.ok);
    const byId = new Map(inputs.map((x) => [x.id, x]));
    const start = get().classes.find((c) => c.id === classId)?.sampleIds.length ?? 0;
    try {
      await db.addSamples(
        added.map((r, i) => ({ id: r.id, classId, name: r.name, blob: byId.get(r.id)!.blob, hash: r.hash, thumbnail: r.thumbnail, order: start + i })),
        projectRecord(),
      );
    } catch (error) {
      // Nothing was written (one transaction): take the images back out of the worker too.
      await workerApi().removeSamples(added.map((r) => r.id));
      const reason = error instanceof DOMException && error.name === 'QuotaExceededError' ? 'the browser storage is full' : message(error);
      notify('error', `${added.length} image(s) were not added because they could not be saved: ${reason}. The project is unchanged.`);
      added = [];
    }
    set((s) => {
      const cls = s.classes.find((c) => c.id === classId);
      if (!cls) return {};
      const samples = { ...s.samples };
      for (const r of added) samples[r.id] = { id: r.id, classId, name: r.name, thumbUrl: URL.createObjectURL(r.thumbnail) };
      return {
        samples,
        classes: s.classes.map((c) => (c.id === classId ? { ...c, sampleIds: [...c.sampleIds, ...added.map((r) => r.id)] } : c)),
      };
    });
    for (const r of results) if (!r.ok) notify('error', `${r.name} was not added: ${r.error}.`);
    if (added.length > 0) markStale();
  } catch (error) {
    notify('error', `Adding images failed: ${message(error)}`);
  } finally {
    set({ ingest: null });
    await Promise.all([refreshMemory(), refreshStorage()]);
  }
}

export async function train(): Promise<void> {
  const { classes, settings } = get();
  const usable = classes.filter((c) => c.sampleIds.length > 0);
  const skipped = classes.filter((c) => c.sampleIds.length === 0);
  if (usable.length < 2) {
    notify('error', 'Add images to at least two classes before training.');
    return;
  }
  if (skipped.length > 0) notify('info', `Left out of training (no images): ${skipped.map((c) => c.name).join(', ')}.`);
  set({ training: { status: 'training', history: [], summary: null, error: null, stale: false } });
  try {
    const summary = await workerApi().train(
      { classIds: usable.map((c) => c.id), settings },
      callback((report) => set((s) => ({ training: { ...s.training, history: [...s.training.history, report] } }))),
    );
    set((s) => ({ training: { ...s.training, status: summary.stopped ? 'stopped' : 'trained', summary } }));
  } catch (error) {
    set((s) => ({ training: { ...s.training, status: 'error', error: message(error) } }));
  }
  await refreshMemory();
}

export function stopTraining(): void {
  void workerApi().stop();
}

export function updateSettings(patch: Partial<HeadstartState['settings']>): void {
  set((s) => ({ settings: { ...s.settings, ...patch } }));
  void saveProject();
}

/** Asks the browser to keep the project's storage (not evict it under pressure). */
export async function keepStorage(): Promise<void> {
  const granted = await requestPersistence();
  notify('info', granted ? 'The browser will keep this project’s storage.' : 'The browser did not grant persistent storage; it may evict data when space runs low.');
  await refreshStorage();
}

export async function predict(file: File): Promise<void> {
  const previous = get().prediction.imageUrl;
  if (previous) URL.revokeObjectURL(previous);
  set({ prediction: { status: 'running', scores: [], imageUrl: URL.createObjectURL(file), error: null } });
  try {
    const scores = await workerApi().predict(file);
    set((s) => ({ prediction: { ...s.prediction, status: 'done', scores } }));
  } catch (error) {
    set((s) => ({ prediction: { ...s.prediction, status: 'error', error: `${file.name}: ${message(error)}` } }));
  }
}

/** Adds a folder-per-class dataset: existing classes (same name) are filled, new ones created. */
async function importGrouped(grouped: GroupedDataset): Promise<void> {
  for (const r of grouped.rejected) notify('error', `${r.name} was not imported: ${r.reason}.`);
  for (const [name, files] of grouped.classes) {
    const existing = get().classes.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const id = existing?.id ?? addClass(name);
    await addFiles(id, files);
  }
}

/** Files from a dropped or picked folder tree: each folder becomes a class. */
export async function importFolder(files: PathedFile[]): Promise<void> {
  const grouped = groupByFolder(files);
  if (grouped.classes.size === 0 && grouped.rejected.length === 0) notify('error', 'The folder holds no images.');
  await importGrouped(grouped);
}

/** A zip of class folders. */
export async function importZip(zip: File): Promise<void> {
  const result = await readZip(zip);
  if (result.fatal) {
    notify('error', result.fatal);
    return;
  }
  if (result.classes.size === 0) notify('error', `${zip.name} holds no class folders with images.`);
  await importGrouped(result);
}

/** Downloads every image, byte for byte, as <class>/<file> in a zip. */
export async function exportDataset(): Promise<void> {
  const { samples } = await db.loadProject();
  const classes = get().classes.map((c) => ({
    name: c.name,
    files: c.sampleIds.map((id) => samples.find((x) => x.id === id)).filter((x) => x !== undefined).map((x) => ({ name: x.name, blob: x.blob })),
  }));
  downloadBlob(await writeDatasetZip(classes), 'headstart-dataset.zip');
}
