/**
 * The project's IndexedDB (via idb), opened from the main thread and from the worker alike.
 * - project:    one record: class ids/names in order, and the training settings
 * - samples:    one record per image: the original file Blob, its SHA-256, thumbnail, class
 * - embeddings: Float32Array per (backbone, preprocessing version, image hash): never computed twice
 * - head:       the trained head's TF.js artifacts, its class order and training summary, and the
 *               adapted blocks' weights when blocks were adapted
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { HeadSettings } from '../ml/settings';
import type { TrainSummary } from '../worker/protocol';

export interface StoredClass {
  id: string;
  name: string;
}

export interface StoredProject {
  classes: StoredClass[];
  settings: HeadSettings;
}

export interface StoredSample {
  id: string;
  classId: string;
  name: string;
  /** The original file, byte for byte, so export gives back exactly what was imported. */
  blob: Blob;
  hash: string;
  thumbnail: Blob;
  /** Position within its class. */
  order: number;
}

export interface StoredHead {
  topology: object;
  weightSpecs: unknown[];
  weightData: ArrayBuffer;
  classIds: string[];
  summary: TrainSummary;
  /** The adapted last blocks' weights (blocks.ts's variable order), when blocks were adapted; absent in older heads. */
  blocks?: { count: number; weights: Float32Array[] };
}

interface HeadstartDB extends DBSchema {
  project: { key: string; value: StoredProject };
  samples: { key: string; value: StoredSample; indexes: { classId: string } };
  embeddings: { key: string; value: Float32Array };
  head: { key: string; value: StoredHead };
}

export type Db = IDBPDatabase<HeadstartDB>;
export const DB_NAME = 'headstart';
const CURRENT = 'current';

let opening: Promise<Db> | null = null;

export function openDb(): Promise<Db> {
  opening ??= openDB<HeadstartDB>(DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore('project');
      db.createObjectStore('samples', { keyPath: 'id' }).createIndex('classId', 'classId');
      db.createObjectStore('embeddings');
      db.createObjectStore('head');
    },
  });
  return opening;
}

/**
 * Key of an image's embedding; 'mirror' is the embedding of the image mirrored left-right, `aug-<kinds>-<i>`
 * its i-th augmented view with those kinds (worker/augmentedViews.ts).
 */
/**
 * The key of an image's stored numbers: its embedding as seen ('plain'), mirrored, in an augmented view
 * (`aug-…`), or its activations at a fine-tuning cut point (`cut<blocks>…`, fineTuning.ts).
 */
export function embeddingKey(backboneId: string, preprocessVersion: number, hash: string, view: 'plain' | 'mirror' | `aug-${string}` | `cut${number}${string}` = 'plain'): string {
  return `${backboneId}|p${preprocessVersion}|${hash}${view === 'plain' ? '' : `|${view}`}`;
}

export async function loadProject(): Promise<{ project: StoredProject | null; samples: StoredSample[] }> {
  const db = await openDb();
  const tx = db.transaction(['project', 'samples']);
  const [project, samples] = await Promise.all([tx.objectStore('project').get(CURRENT), tx.objectStore('samples').getAll()]);
  await tx.done;
  return { project: project ?? null, samples: samples.sort((a, b) => a.order - b.order) };
}

export async function saveProject(project: StoredProject): Promise<void> {
  await (await openDb()).put('project', project, CURRENT);
}

type SamplesTx = IDBPTransaction<HeadstartDB, ('samples' | 'project')[], 'readwrite'>;

/** Runs writes to samples + project in one transaction; any failure aborts it, so nothing is half-written. */
async function writeSamples(write: (tx: SamplesTx) => Promise<unknown>[]): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(['samples', 'project'], 'readwrite');
  try {
    await Promise.all(write(tx));
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already finished or aborted.
    }
    await tx.done.catch(() => undefined);
    throw error;
  }
  await tx.done;
}

/** Adds samples and the project record in one transaction: all are written, or none. */
export function putSamples(samples: StoredSample[], project: StoredProject): Promise<void> {
  return writeSamples((tx) => [...samples.map((s) => tx.objectStore('samples').put(s)), tx.objectStore('project').put(project, CURRENT)]);
}

export function deleteSamples(ids: string[], project: StoredProject): Promise<void> {
  return writeSamples((tx) => [...ids.map((id) => tx.objectStore('samples').delete(id)), tx.objectStore('project').put(project, CURRENT)]);
}

export async function getSamples(ids: string[]): Promise<StoredSample[]> {
  const db = await openDb();
  const tx = db.transaction('samples');
  const found = await Promise.all(ids.map((id) => tx.store.get(id)));
  await tx.done;
  return found.filter((x) => x !== undefined);
}

/** Re-files samples under another class, appended after its `firstOrder - 1` existing ones. */
export async function setSamplesClass(ids: string[], classId: string, firstOrder: number): Promise<void> {
  const db = await openDb();
  const tx = db.transaction('samples', 'readwrite');
  await Promise.all([
    ...ids.map(async (id, i) => {
      const sample = await tx.store.get(id);
      if (sample) await tx.store.put({ ...sample, classId, order: firstOrder + i });
    }),
    tx.done,
  ]);
}

export async function getEmbeddings(keys: string[]): Promise<(Float32Array | undefined)[]> {
  const db = await openDb();
  const tx = db.transaction('embeddings');
  const values = await Promise.all(keys.map((k) => tx.store.get(k)));
  await tx.done;
  return values;
}

export async function putEmbeddings(entries: [string, Float32Array][]): Promise<void> {
  const db = await openDb();
  const tx = db.transaction('embeddings', 'readwrite');
  await Promise.all([...entries.map(([k, v]) => tx.store.put(v, k)), tx.done]);
}

export async function saveHead(head: StoredHead | null): Promise<void> {
  const db = await openDb();
  if (head) await db.put('head', head, CURRENT);
  else await db.delete('head', CURRENT);
}

export async function loadHead(): Promise<StoredHead | null> {
  return (await (await openDb()).get('head', CURRENT)) ?? null;
}

/** Deletes every image, class, embedding and trained head. */
export async function clearAll(): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(['project', 'samples', 'embeddings', 'head'], 'readwrite');
  await Promise.all([tx.objectStore('project').clear(), tx.objectStore('samples').clear(), tx.objectStore('embeddings').clear(), tx.objectStore('head').clear(), tx.done]);
}
