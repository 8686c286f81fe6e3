/**
 * "Try a sample dataset": a few real photos bundled with the app (public/samples/, made by
 * scripts/make-sample-dataset.mjs from Debian's tuxpaint-stamps-default), loaded through the same
 * path as a dropped folder of class folders: a class per folder (a class of that name is filled,
 * otherwise one is made), the images added with `addFiles`, one queued command per class.
 * Photos already in the project are left out first, so a second click adds nothing and says so.
 */
import * as db from '../platform/db';
import { sha256 } from '../platform/hash';
import { get, message, notify } from './base';
import { addClass } from './classes';
import { addFiles } from './ingest';
import { idle } from './queue';

export const SAMPLE_SET = 'tuxpaint-photos';

export interface SampleManifest {
  name: string;
  classes: string[];
  files: { class: string; file: string; credit: string }[];
  credit: string;
}

/** Where a file of the bundled sample set is served (next to the app, so the service worker caches it). */
export function sampleUrl(path: string, set = SAMPLE_SET): string {
  return new URL(`samples/${set}/${path}`, new URL(import.meta.env.BASE_URL, location.href)).href;
}

/** The manifest as the app needs it, or an error naming what is wrong (file paths must stay inside the set). */
export function parseManifest(json: unknown): SampleManifest {
  const m = json as Partial<SampleManifest> | null;
  if (!m || !Array.isArray(m.classes) || !Array.isArray(m.files) || m.classes.length < 2) throw new Error('the manifest lists no classes');
  if (!m.classes.every((c) => typeof c === 'string' && c.trim())) throw new Error('a class in the manifest has no name');
  for (const f of m.files) {
    if (!f || typeof f.file !== 'string' || !/^[\w-]+\/[\w.-]+\.(jpe?g|png)$/i.test(f.file) || f.file.includes('..')) throw new Error(`bad file entry ${JSON.stringify(f)}`);
    if (!m.classes.includes(f.class)) throw new Error(`${f.file} is in no listed class`);
  }
  return { name: String(m.name ?? 'Sample'), classes: m.classes, files: m.files, credit: String(m.credit ?? '') };
}

/** Fetches a file of the set; a missing one is named (a static server may answer it with the app's index.html). */
async function fetchOk(url: string, type: 'json' | 'image'): Promise<Response> {
  const response = await fetch(url);
  const got = response.headers.get('content-type') ?? '';
  if (!response.ok || !got.includes(type)) throw new Error(`${new URL(url).pathname} is missing (HTTP ${response.status}, ${got || 'no type'})`);
  return response;
}

/** The sample's photos as files, by class, without those already in the project (same bytes). */
async function newSampleFiles(manifest: SampleManifest, set: string): Promise<Map<string, File[]>> {
  const files = await Promise.all(
    manifest.files.map(async (f) => {
      const blob = await (await fetchOk(sampleUrl(f.file, set), 'image')).blob();
      return { cls: f.class, file: new File([blob], f.file.split('/').pop() as string, { type: blob.type || 'image/jpeg' }), hash: await sha256(blob) };
    }),
  );
  // The project as saved once every command queued so far has run.
  await idle();
  const saved = new Set((await db.loadProject()).samples.map((s) => s.hash));
  const byClass = new Map<string, File[]>();
  for (const f of files) if (!saved.has(f.hash)) byClass.set(f.cls, [...(byClass.get(f.cls) ?? []), f.file]);
  return byClass;
}

let loading: Promise<void> | null = null;

/**
 * Loads the bundled sample set: classes named after its folders, filled through the command queue.
 * `confirm` is asked first when the project already has classes (the photos would join them).
 * A second call while one runs returns the first.
 */
export function loadSampleDataset(confirm: (question: string) => boolean = (q) => window.confirm(q), set = SAMPLE_SET): Promise<void> {
  loading ??= load(confirm, set).finally(() => {
    loading = null;
  });
  return loading;
}

async function load(confirm: (question: string) => boolean, set: string): Promise<void> {
  let manifest: SampleManifest;
  let byClass: Map<string, File[]>;
  try {
    manifest = parseManifest(await (await fetchOk(sampleUrl('manifest.json', set), 'json')).json());
    const names = manifest.classes.join(', ');
    if (get().classes.length > 0 && !confirm(`Add the sample photos to this project? They go into classes named ${names}; a class of yours with one of those names gets them, and your other classes stay as they are.`)) return;
    byClass = await newSampleFiles(manifest, set);
  } catch (error) {
    notify('error', `Could not load the sample dataset: ${message(error)}.`);
    return;
  }
  if (byClass.size === 0) {
    notify('info', 'The sample photos are already in this project.');
    return;
  }
  // Every class appears at once; their images follow, one queued command per class, in order.
  const adding = manifest.classes.flatMap((name) => {
    const files = byClass.get(name);
    if (!files) return [];
    const existing = get().classes.find((c) => c.name.toLowerCase() === name.toLowerCase());
    return [addFiles(existing?.id ?? addClass(name), files)];
  });
  await Promise.all(adding);
}
