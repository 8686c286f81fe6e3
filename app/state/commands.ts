/**
 * Async actions: each calls the worker and then updates the store. Components call these;
 * they never talk to the worker themselves.
 */
import { callback, workerApi } from '../worker/client';
import { BACKEND_NAMES, type BackendRequest, type RememberedBackend, type SampleInput } from '../worker/protocol';
import { useStore, type ClassInfo, type HeadstartState } from './store';

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
      baseUrl: new URL(import.meta.env.BASE_URL, location.href).href,
      remembered: readRemembered(),
    });
    if (info.choice.remember) localStorage.setItem(REMEMBER_KEY, JSON.stringify(info.choice.remember));
    set({ model: { status: 'ready', info, error: null } });
    await refreshMemory();
  } catch (error) {
    set({ model: { status: 'error', info: null, error: message(error) } });
  }
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

export function addClass(): string {
  const { classes } = get();
  let n = classes.length + 1;
  while (validateClassName(`Class ${n}`, classes)) n++;
  const id = crypto.randomUUID();
  set({ classes: [...classes, { id, name: `Class ${n}`, sampleIds: [] }] });
  markStale();
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
  return null;
}

export async function deleteClass(id: string): Promise<void> {
  const cls = get().classes.find((c) => c.id === id);
  if (!cls) return;
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
    const added = results.filter((r) => r.ok);
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
    await refreshMemory();
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
