/**
 * Images in: the worker decodes and embeds them batch by batch; each batch the page then saves
 * (files, thumbnails and project record in one transaction) and shows. Runs inside a queued
 * command (queue.ts); its signal stops it between batches, and whatever was not saved is taken
 * back out of the worker, so the worker, IndexedDB and the screen always hold the same images.
 */
import * as db from '../platform/db';
import { callback, workerApi } from '../worker/client';
import type { SampleInput, SampleResult } from '../worker/protocol';
import { get, markStale, message, notify, refreshMemory, refreshStorage, set } from './base';
import { runCommand } from './queue';
import { projectRecord, showSamples } from './samples';
import { askToKeepStorageOnce } from './storage';

type Accepted = Extract<SampleResult, { ok: true }>;

/**
 * Hands samples to the worker and handles its results as they come, one batch at a time, in order:
 * `handle` gets each batch's accepted samples and returns the ids it could not keep (they are then
 * taken back out of the worker). Once `signal` aborts, the worker stops before its next batch and
 * nothing more is handled.
 */
export async function ingest(
  inputs: SampleInput[],
  verb: 'added' | 'restored',
  signal: AbortSignal,
  handle: (accepted: Accepted[]) => Promise<string[]>,
): Promise<void> {
  const jobId = crypto.randomUUID();
  const unkept: string[] = [];
  const cancel = () => void workerApi().cancelIngest(jobId).catch(() => undefined);
  signal.addEventListener('abort', cancel);
  set({ ingest: { done: 0, total: inputs.length } });
  let handled = Promise.resolve();
  try {
    await workerApi().ingest(
      jobId,
      inputs,
      callback(({ done, total, results }) => {
        const accepted = results.filter((r): r is Accepted => r.ok);
        // The batch, its progress and its notices reach the page in one update (one render).
        handled = handled.then(async () => {
          if (signal.aborted) {
            unkept.push(...accepted.map((r) => r.id));
            return;
          }
          if (accepted.length > 0) unkept.push(...(await handle(accepted)));
          set({ ingest: { done, total } });
          for (const r of results) if (!r.ok) notify('error', `${r.name} was not ${verb}: ${r.error}.`);
        });
      }),
    );
  } finally {
    await handled;
    signal.removeEventListener('abort', cancel);
    set({ ingest: null });
    try {
      if (unkept.length > 0) await workerApi().forget(unkept);
    } finally {
      await Promise.all([refreshMemory(), refreshStorage()]);
    }
  }
}

/** Adds samples: the worker embeds them, then each batch is saved in one transaction and shown. */
export async function ingestAndSave(inputs: (SampleInput & { blob: Blob })[], verb: 'added' | 'restored', signal: AbortSignal): Promise<void> {
  if (inputs.length === 0) return;
  const byId = new Map(inputs.map((x) => [x.id, x]));
  let saved = 0;
  const unsaved: { count: number; reason: string } = { count: 0, reason: '' };
  await ingest(inputs, verb, signal, async (accepted) => {
    const counts = new Map(get().classes.map((c) => [c.id, c.sampleIds.length]));
    // A class deleted meanwhile keeps nothing (its delete cancels this ingest; this is the backstop).
    const kept = accepted.filter((r) => counts.has((byId.get(r.id) as SampleInput).classId));
    const records = kept.map((r): db.StoredSample => {
      const input = byId.get(r.id) as SampleInput & { blob: Blob };
      const order = counts.get(input.classId) ?? 0;
      counts.set(input.classId, order + 1);
      return { id: r.id, classId: input.classId, name: r.name, blob: input.blob, hash: r.hash, thumbnail: r.thumbnail, order };
    });
    const dropped = accepted.filter((r) => !kept.includes(r)).map((r) => r.id);
    try {
      await db.putSamples(records, projectRecord());
    } catch (error) {
      // Nothing of this batch was written (one transaction): take it back out of the worker too.
      unsaved.count += records.length;
      unsaved.reason = error instanceof DOMException && error.name === 'QuotaExceededError' ? 'the browser storage is full' : message(error);
      return [...dropped, ...records.map((r) => r.id)];
    }
    saved += records.length;
    showSamples(records);
    markStale();
    askToKeepStorageOnce();
    return dropped;
  });
  if (unsaved.count > 0) {
    const kept = saved === 0 ? 'The project is unchanged.' : `The other ${saved} were ${verb}.`;
    notify('error', `${unsaved.count} image(s) were not ${verb} because they could not be saved: ${unsaved.reason}. ${kept}`);
  }
}

/** Adds image files to a class: the worker decodes and embeds each once; bad files are named in a notice. */
export function addFiles(classId: string, files: readonly File[]): Promise<void> {
  const name = get().classes.find((c) => c.id === classId)?.name ?? 'a class';
  return runCommand(`add ${files.length} image(s) to "${name}"`, [classId], (signal) =>
    ingestAndSave(
      files.map((file) => ({ id: crypto.randomUUID(), classId, name: file.name || 'pasted image', blob: file })),
      'added',
      signal,
    ),
  ).then(() => undefined);
}
