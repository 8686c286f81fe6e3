/**
 * The project's images as the page shows them (ids, names, classes, selection), the saved project
 * record, and moving images between classes. Nothing here talks to the worker but moveSamples.
 */
import * as db from '../platform/db';
import { workerApi } from '../worker/client';
import type { SampleInput } from '../worker/protocol';
import { get, markStale, notify, message, set } from './base';
import { runCommand } from './queue';
import type { HeadstartState, Sample } from './store';
import { forgetThumbnails, keepThumbnails } from './thumbnails';

/** The saved project's plain record, derived from the store. */
export function projectRecord(s: Pick<HeadstartState, 'classes' | 'settings' | 'kept'> = get()): db.StoredProject {
  // Only what Check labels kept of images still in the project. Saved with every batch of an ingest,
  // so every image is looked at only when something was kept.
  let kept = s.kept;
  if (kept.pairs.length > 0 || Object.keys(kept.labels).length > 0) {
    const present = new Set(s.classes.flatMap((c) => c.sampleIds));
    kept = {
      labels: Object.fromEntries(Object.entries(kept.labels).filter(([id]) => present.has(id))),
      pairs: kept.pairs.filter((pair) => pair.split('+').every((id) => present.has(id))),
    };
  }
  return { classes: s.classes.map(({ id, name }) => ({ id, name })), settings: s.settings, kept };
}

/** Saves the project record (class names and order, settings) after the commands queued before it. */
export function saveProject(): Promise<void> {
  return runCommand('save the project', [], async () => {
    try {
      await db.saveProject(projectRecord());
    } catch (error) {
      notify('error', `Could not save the project: ${message(error)}`);
    }
  }).then(() => undefined);
}

/** A saved sample as the worker takes it back: with its file when given one, else the worker reads it from storage if it needs it. */
export const toInput = (x: db.SavedSample & { blob?: Blob }): SampleInput => ({ id: x.id, classId: x.classId, name: x.name, blob: x.blob, hash: x.hash, thumbnail: x.thumbnail });

/**
 * Shows samples the worker accepted: appends them to their classes, with thumbnails. Called once per
 * batch of an ingest, so the classes that gained nothing keep their records (and their cards are not
 * drawn again), and the batch is looked at once, not once per class.
 */
export function showSamples(added: { id: string; classId: string; name: string; thumbnail: Blob }[]): void {
  if (added.length === 0) return;
  keepThumbnails(added);
  const byClass = new Map<string, string[]>();
  for (const r of added) byClass.set(r.classId, [...(byClass.get(r.classId) ?? []), r.id]);
  set((s) => {
    const samples = { ...s.samples };
    for (const r of added) samples[r.id] = { id: r.id, classId: r.classId, name: r.name };
    return {
      samples,
      classes: s.classes.map((c) => {
        const ids = byClass.get(c.id);
        return ids ? { ...c, sampleIds: [...c.sampleIds, ...ids] } : c;
      }),
    };
  });
}

/** The store without these samples (their thumbnails are released). */
export function withoutSamples(ids: Set<string>): Pick<HeadstartState, 'samples' | 'classes' | 'selected'> {
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

export function toggleSelected(id: string): void {
  set((s) => ({ selected: s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id] }));
}

export function clearSelection(): void {
  set({ selected: [] });
}

/** Moves images to another class (their embeddings are reused as they are). */
export function moveSamples(ids: string[], classId: string): Promise<void> {
  const from = [...new Set(ids.map((id) => get().samples[id]?.classId).filter((c) => c !== undefined))];
  return runCommand(`move ${ids.length} image(s)`, [...from, classId], async () => {
    const target = get().classes.find((c) => c.id === classId);
    const moving = ids.filter((id) => get().samples[id]);
    if (!target || moving.length === 0) return;
    await db.setSamplesClass(moving, classId, target.sampleIds.length);
    await workerApi().relabel(moving, classId);
    const set_ = new Set(moving);
    set((s) => {
      const samples = { ...s.samples };
      for (const id of moving) samples[id] = { ...samples[id], classId };
      return {
        samples,
        selected: [],
        classes: s.classes.map((c) =>
          c.id === classId ? { ...c, sampleIds: [...c.sampleIds.filter((x) => !set_.has(x)), ...moving] } : { ...c, sampleIds: c.sampleIds.filter((x) => !set_.has(x)) },
        ),
      };
    });
    markStale();
  }).then(() => undefined);
}
