/** Training, stopping, settings and prediction. */
import { callback, workerApi } from '../worker/client';
import { get, message, notify, refreshMemory, set } from './base';
import { saveProject } from './project';
import type { HeadstartState } from './store';

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

