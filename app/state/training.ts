/** Training, stopping, settings and prediction. */
import { callback, workerApi } from '../worker/client';
import { get, message, notify, refreshMemory, set } from './base';
import { classify } from './heatMap';
import { runCommand } from './queue';
import { saveProject } from './samples';
import { classesWithImages, twoClassesHaveImages, type HeadstartState } from './store';

/**
 * Trains on the classes that have images. Queued behind the commands before it: pressed during an
 * ingest, it waits for those images to be saved and trains on them too ('waiting' until then).
 * Deleting a class or everything cancels it (it stops after its current batch).
 */
export function train(): Promise<void> {
  if (!twoClassesHaveImages(get()) && !get().ingest) {
    notify('error', 'Add images to at least two classes before training.', undefined, 'two-classes');
    return Promise.resolve();
  }
  set((s) => ({ training: { ...s.training, status: 'waiting', error: null } }));
  return runCommand('train the model', 'all', async (signal) => {
    const { classes, settings } = get();
    const usable = classesWithImages({ classes });
    const skipped = classes.filter((c) => c.sampleIds.length === 0);
    if (usable.length < 2) throw new Error('add images to at least two classes first');
    if (skipped.length > 0) notify('info', `Left out of training (no images): ${skipped.map((c) => c.name).join(', ')}.`);
    const before = get().training;
    set({ training: { status: 'training', history: [], summary: null, error: null, stale: false } });
    const stop = () => void workerApi().stop().catch(() => undefined);
    signal.addEventListener('abort', stop);
    try {
      const summary = await workerApi().train(
        { classIds: usable.map((c) => c.id), settings },
        callback((report) => set((s) => ({ training: { ...s.training, history: [...s.training.history, report] } }))),
      );
      if (!summary) {
        // Stopped while the mirrors or views were prepared: nothing was trained, the model before is kept.
        set({ training: { ...before, status: before.summary ? (before.summary.stopped ? 'stopped' : 'trained') : 'idle', error: null, stoppedBefore: true } });
        // Said only to a user who pressed Stop: a cancel (a class deleted, the project left) says its own.
        if (!signal.aborted) notify('info', before.summary ? 'Stopped before training began: the model trained before is kept.' : 'Stopped before training began: nothing was trained.');
        return;
      }
      set((s) => ({ training: { ...s.training, status: summary.stopped ? 'stopped' : 'trained', summary } }));
      if (summary.saveError) notify('error', `The model is trained and works now, but it was not saved (${summary.saveError}): it will be gone after a reload.`);
    } catch (error) {
      set((s) => ({ training: { ...s.training, status: 'error', error: message(error) } }));
    } finally {
      signal.removeEventListener('abort', stop);
      await refreshMemory();
    }
  }).then(() => {
    // A training cancelled before it started leaves the status it found.
    if (get().training.status === 'waiting') set((s) => ({ training: { ...s.training, status: s.training.summary ? 'trained' : 'idle' } }));
  });
}

export function stopTraining(): void {
  void workerApi().stop().catch(() => undefined);
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
    const scores = await classify(file);
    set((s) => ({ prediction: { ...s.prediction, status: 'done', scores } }));
  } catch (error) {
    set((s) => ({ prediction: { ...s.prediction, status: 'error', error: `${file.name}: ${message(error)}` } }));
  }
}
