/**
 * The project's IndexedDB (via idb), opened from the main thread and from the worker alike.
 * - project:    one record: class ids/names in order, and the training settings
 * - samples:    one record per image: its SHA-256, name, class, position and thumbnail
 * - originals:  each image's original file, byte for byte, by sample id (read only when needed)
 * - embeddings: Float32Array per (backbone, preprocessing version, image hash): never computed twice
 * - head:       the trained head's TF.js artifacts, its class order and training summary, and the
 *               adapted blocks' weights when blocks were adapted
 *
 * Image bytes are kept as ArrayBuffers with their MIME type, never as Blobs: Safari's private browsing
 * (and WebKit's ephemeral sessions) refuse Blobs in IndexedDB (WebKit bug 156347). The API below takes
 * and gives Blobs; the conversion happens here. Version 1 kept both as Blobs inside the samples
 * record: those rows are still read as they are, and `loadProject` rewrites them in the new form.
 *
 * Where IndexedDB is missing or does not open, the same API keeps everything in memory for the
 * session (`storageProblem` says why), in whichever realm (page or worker) found it so.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { HeadSettings } from '../ml/settings';
import type { TrainSummary } from '../worker/protocol';

export interface StoredClass {
  id: string;
  name: string;
}

export interface StoredProject {
  classes: StoredClass[];
  settings: HeadSettings;
  /** What Check labels was told to keep (absent in projects saved before it). */
  kept?: KeptLabels;
}

/** Check labels' "Keep": an image's label confirmed (sample id → the class it was kept in), and pairs of images kept as not duplicates ("a+b", ids sorted). */
export interface KeptLabels {
  labels: Record<string, string>;
  pairs: string[];
}

/** Bytes as IndexedDB keeps them in every engine and mode. */
export interface StoredBytes {
  bytes: ArrayBuffer;
  type: string;
}

/** A saved image as the page shows it: everything but its original file. */
export interface SavedSample {
  id: string;
  classId: string;
  name: string;
  hash: string;
  thumbnail: Blob;
  /** Position within its class. */
  order: number;
}

export interface StoredSample extends SavedSample {
  /** The original file, byte for byte, so export gives back exactly what was imported. */
  blob: Blob;
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

/** The samples store's row since version 2. */
interface SampleRow {
  id: string;
  classId: string;
  name: string;
  hash: string;
  order: number;
  thumbnail: StoredBytes;
}

/** Version 1's row: the original file and the thumbnail as Blobs, in the row. */
interface LegacySampleRow {
  id: string;
  classId: string;
  name: string;
  hash: string;
  order: number;
  blob: Blob;
  thumbnail: Blob;
}

type Row = SampleRow | LegacySampleRow;

interface Values {
  project: StoredProject;
  samples: Row;
  originals: StoredBytes;
  embeddings: Float32Array;
  head: StoredHead;
}

type StoreName = keyof Values;
const STORES: StoreName[] = ['project', 'samples', 'originals', 'embeddings', 'head'];

interface HeadstartDB extends DBSchema {
  project: { key: string; value: StoredProject };
  samples: { key: string; value: Row; indexes: { classId: string } };
  originals: { key: string; value: StoredBytes };
  embeddings: { key: string; value: Float32Array };
  head: { key: string; value: StoredHead };
}

/** The part of an object store this module uses; IndexedDB (through idb) and the in-memory fallback provide it. */
interface Store<V> {
  get(key: string): Promise<V | undefined>;
  getAll(): Promise<V[]>;
  getAllKeys(): Promise<string[]>;
  put(value: V, key?: string): Promise<unknown>;
  delete(key: string): Promise<void>;
  clear(): Promise<void>;
}

interface Tx {
  objectStore<N extends StoreName>(name: N): Store<Values[N]>;
  done: Promise<void>;
  abort(): void;
}

interface Database {
  transaction(names: StoreName[], mode?: 'readonly' | 'readwrite'): Tx;
}

export const DB_NAME = 'headstart';
/** 1: images as Blobs in the samples rows; 2: bytes as ArrayBuffers, originals in a store of their own. */
export const DB_VERSION = 2;
const CURRENT = 'current';

function indexedDatabase(db: IDBPDatabase<HeadstartDB>): Database {
  return {
    transaction(names, mode = 'readonly') {
      const tx = db.transaction(names, mode);
      return {
        // idb's stores are typed per name; these are the same methods.
        objectStore: <N extends StoreName>(name: N) => tx.objectStore(name) as unknown as Store<Values[N]>,
        done: tx.done,
        abort: () => tx.abort(),
      };
    },
  };
}

/** The same stores in this realm's memory, for a session where IndexedDB cannot be used. */
function memoryDatabase(): Database {
  const stores = new Map(STORES.map((name) => [name, new Map<string, unknown>()]));
  const store = <N extends StoreName>(name: N): Store<Values[N]> => {
    const map = stores.get(name) as Map<string, Values[N]>;
    return {
      get: async (key) => map.get(key),
      getAll: async () => [...map.values()],
      getAllKeys: async () => [...map.keys()],
      put: async (value, key) => map.set(key ?? (value as SampleRow).id, value),
      delete: async (key) => void map.delete(key),
      clear: async () => map.clear(),
    };
  };
  // Writes apply at once and cannot fail half-way, so a transaction needs nothing more.
  return { transaction: () => ({ objectStore: store, done: Promise.resolve(), abort: () => undefined }) };
}

let opening: Promise<Database> | null = null;
let problem: string | null = null;
let onBlocked: (() => void) | null = null;

/** Called when an older Headstart in another tab holds the database, so this one cannot open it until that tab closes. */
export function whenBlocked(listener: () => void): void {
  onBlocked = listener;
}

async function openIndexedDb(): Promise<Database> {
  if (typeof indexedDB === 'undefined' || !indexedDB) throw new Error('this browser offers no IndexedDB here');
  const db = await openDB<HeadstartDB>(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('project');
        db.createObjectStore('samples', { keyPath: 'id' }).createIndex('classId', 'classId');
        db.createObjectStore('embeddings');
        db.createObjectStore('head');
      }
      // Version 1's Blobs cannot be read inside this transaction (it ends at the first await that is not
      // a request), so its rows stay as they are and loadProject rewrites them.
      if (oldVersion < 2) db.createObjectStore('originals');
    },
    blocked: () => onBlocked?.(),
    // A newer version in another tab is waiting for this connection: let it go.
    blocking: () => db.close(),
  });
  return indexedDatabase(db);
}

export function openDb(): Promise<Database> {
  opening ??= openIndexedDb().catch((error: unknown) => {
    problem = error instanceof Error ? error.message || error.name : String(error);
    return memoryDatabase();
  });
  return opening;
}

/** Why nothing can be stored in this browser (the project then lives in memory for the session), or null. */
export async function storageProblem(): Promise<string | null> {
  await openDb();
  return problem;
}

/**
 * Key of an image's stored numbers: its embedding as seen ('plain'), mirrored, in an augmented view
 * (`aug-…`, worker/augmentedViews.ts), or its activations at a fine-tuning cut point (`cut<blocks>…`, fineTuning.ts).
 */
export function embeddingKey(backboneId: string, preprocessVersion: number, hash: string, view: 'plain' | 'mirror' | `aug-${string}` | `cut${number}${string}` = 'plain'): string {
  return `${backboneId}|p${preprocessVersion}|${hash}${view === 'plain' ? '' : `|${view}`}`;
}

/**
 * The rows putEmbeddings saves for a matrix of embeddings (`values`, one row per image, in order):
 * each image's row under its key in `view`. An image without a hash (`undefined`) is not saved.
 */
export function embeddingRows(
  spec: { id: string; preprocessVersion: number },
  view: 'plain' | 'mirror',
  hashes: readonly (string | undefined)[],
  values: Float32Array,
): [string, Float32Array][] {
  const dim = values.length / hashes.length;
  return hashes.flatMap((hash, i): [string, Float32Array][] => (hash === undefined ? [] : [[embeddingKey(spec.id, spec.preprocessVersion, hash, view), values.slice(i * dim, (i + 1) * dim)]]));
}

export async function toBytes(blob: Blob): Promise<StoredBytes> {
  return { bytes: await blob.arrayBuffer(), type: blob.type };
}

export function toBlob(stored: StoredBytes): Blob {
  return new Blob([stored.bytes], { type: stored.type });
}

const isLegacy = (row: Row): row is LegacySampleRow => 'blob' in row;

function toSaved(row: Row): SavedSample {
  const { id, classId, name, hash, order } = row;
  return { id, classId, name, hash, order, thumbnail: isLegacy(row) ? row.thumbnail : toBlob(row.thumbnail) };
}

/** Rewrites version 1's rows (Blobs) as ArrayBuffers, a few at a time, each row with its original in one transaction. */
async function upgradeRows(rows: LegacySampleRow[]): Promise<void> {
  const db = await openDb();
  for (let start = 0; start < rows.length; start += 32) {
    // The Blobs are read before the transaction: it would end while waiting for them.
    const converted = await Promise.all(
      rows.slice(start, start + 32).map(async ({ blob, thumbnail, ...rest }) => ({ row: { ...rest, thumbnail: await toBytes(thumbnail) }, original: await toBytes(blob) })),
    );
    const tx = db.transaction(['samples', 'originals'], 'readwrite');
    const samples = tx.objectStore('samples');
    await Promise.all([
      ...converted.map(async ({ row, original }) => {
        // Only a row still in the old form: one deleted or rewritten meanwhile stays as it is.
        const now = await samples.get(row.id);
        if (!now || !isLegacy(now)) return;
        await Promise.all([samples.put(row), tx.objectStore('originals').put(original, row.id)]);
      }),
      tx.done,
    ]);
  }
}

export async function loadProject(): Promise<{ project: StoredProject | null; samples: SavedSample[] }> {
  const db = await openDb();
  const tx = db.transaction(['project', 'samples']);
  const [project, rows] = await Promise.all([tx.objectStore('project').get(CURRENT), tx.objectStore('samples').getAll()]);
  await tx.done;
  const legacy = rows.filter(isLegacy);
  // Rows written by version 1 work as they are; if rewriting them fails, they are tried again next time.
  if (legacy.length > 0) await upgradeRows(legacy).catch(() => undefined);
  return { project: project ?? null, samples: rows.map(toSaved).sort((a, b) => a.order - b.order) };
}

export async function saveProject(project: StoredProject): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(['project'], 'readwrite');
  await Promise.all([tx.objectStore('project').put(project, CURRENT), tx.done]);
}

/** Runs writes in one transaction; any failure aborts it, so nothing is half-written. */
async function writeAll(names: StoreName[], write: (tx: Tx) => Promise<unknown>[]): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(names, 'readwrite');
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

/** Adds samples (with their originals) and the project record in one transaction: all are written, or none. */
export async function putSamples(samples: StoredSample[], project: StoredProject): Promise<void> {
  const rows = await Promise.all(
    samples.map(async ({ blob, thumbnail, id, classId, name, hash, order }) => ({ row: { id, classId, name, hash, order, thumbnail: await toBytes(thumbnail) }, original: await toBytes(blob) })),
  );
  return writeAll(['samples', 'originals', 'project'], (tx) => [
    ...rows.flatMap(({ row, original }) => [tx.objectStore('samples').put(row), tx.objectStore('originals').put(original, row.id)]),
    tx.objectStore('project').put(project, CURRENT),
  ]);
}

export function deleteSamples(ids: string[], project: StoredProject): Promise<void> {
  return writeAll(['samples', 'originals', 'project'], (tx) => [
    ...ids.flatMap((id) => [tx.objectStore('samples').delete(id), tx.objectStore('originals').delete(id)]),
    tx.objectStore('project').put(project, CURRENT),
  ]);
}

/** The originals of these samples; samples no longer stored are left out. */
export async function getOriginals(ids: string[]): Promise<{ id: string; blob: Blob }[]> {
  return (await getSamples(ids)).map(({ id, blob }) => ({ id, blob }));
}

/** These samples with their originals; samples no longer stored are left out. */
export async function getSamples(ids: string[]): Promise<StoredSample[]> {
  const db = await openDb();
  const tx = db.transaction(['samples', 'originals']);
  const found = await Promise.all(
    ids.map(async (id) => {
      const [row, original] = await Promise.all([tx.objectStore('samples').get(id), tx.objectStore('originals').get(id)]);
      if (!row) return undefined;
      if (isLegacy(row)) return { ...toSaved(row), blob: row.blob };
      return original ? { ...toSaved(row), blob: toBlob(original) } : undefined;
    }),
  );
  await tx.done;
  return found.filter((x) => x !== undefined);
}

/** Re-files samples under another class, appended after its `firstOrder - 1` existing ones. */
export async function setSamplesClass(ids: string[], classId: string, firstOrder: number): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(['samples'], 'readwrite');
  const store = tx.objectStore('samples');
  await Promise.all([
    ...ids.map(async (id, i) => {
      const sample = await store.get(id);
      if (sample) await store.put({ ...sample, classId, order: firstOrder + i });
    }),
    tx.done,
  ]);
}

export async function getEmbeddings(keys: string[]): Promise<(Float32Array | undefined)[]> {
  const db = await openDb();
  const tx = db.transaction(['embeddings']);
  const values = await Promise.all(keys.map((k) => tx.objectStore('embeddings').get(k)));
  await tx.done;
  return values;
}

export async function putEmbeddings(entries: [string, Float32Array][]): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(['embeddings'], 'readwrite');
  await Promise.all([...entries.map(([k, v]) => tx.objectStore('embeddings').put(v, k)), tx.done]);
}

export async function saveHead(head: StoredHead | null): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(['head'], 'readwrite');
  await Promise.all([head ? tx.objectStore('head').put(head, CURRENT) : tx.objectStore('head').delete(CURRENT), tx.done]);
}

export async function loadHead(): Promise<StoredHead | null> {
  const db = await openDb();
  const tx = db.transaction(['head']);
  const [head] = await Promise.all([tx.objectStore('head').get(CURRENT), tx.done]);
  return head ?? null;
}

/** Deletes every image, class, embedding and trained head. */
export function clearAll(): Promise<void> {
  return writeAll(STORES, (tx) => STORES.map((name) => tx.objectStore(name).clear()));
}

/** A saved image with its bytes, as the project file carries it. */
export interface SnapshotSample {
  id: string;
  classId: string;
  name: string;
  hash: string;
  order: number;
  original: StoredBytes;
  thumbnail: StoredBytes;
}

/** The whole saved project (platform/projectFile.ts writes and reads it): the images in class order, their embeddings, the head. */
export interface ProjectSnapshot {
  project: StoredProject | null;
  samples: SnapshotSample[];
  embeddings: [string, Float32Array][];
  head: StoredHead | null;
}

/** The hash an embedding key is about (embeddingKey's third part). */
const keyHash = (key: string) => key.split('|')[2];

/**
 * The saved project with every byte: images of its classes in their order, and the embeddings of those
 * images (all views but fine-tuning's cut activations, which are large and recomputed), sorted by key.
 */
export async function readSnapshot(): Promise<ProjectSnapshot> {
  await loadProject(); // Version 1's rows are rewritten first.
  const db = await openDb();
  const tx = db.transaction(STORES);
  const [project, rows, head, keys] = await Promise.all([
    tx.objectStore('project').get(CURRENT),
    tx.objectStore('samples').getAll(),
    tx.objectStore('head').get(CURRENT),
    tx.objectStore('embeddings').getAllKeys(),
  ]);
  const classOrder = new Map((project?.classes ?? []).map((c, i) => [c.id, i]));
  const kept = rows.filter((r): r is SampleRow => !isLegacy(r) && classOrder.has(r.classId));
  kept.sort((a, b) => (classOrder.get(a.classId) as number) - (classOrder.get(b.classId) as number) || a.order - b.order);
  const hashes = new Set(kept.map((r) => r.hash));
  const wanted = keys.filter((k) => hashes.has(keyHash(k)) && !/\|cut\d/.test(k)).sort();
  const [originals, values] = await Promise.all([Promise.all(kept.map((r) => tx.objectStore('originals').get(r.id))), Promise.all(wanted.map((k) => tx.objectStore('embeddings').get(k)))]);
  await tx.done;
  const samples = kept.flatMap((r, i) => {
    const original = originals[i];
    return original ? [{ id: r.id, classId: r.classId, name: r.name, hash: r.hash, order: r.order, original, thumbnail: r.thumbnail }] : [];
  });
  const embeddings = wanted.flatMap((k, i): [string, Float32Array][] => (values[i] ? [[k, values[i]]] : []));
  return { project: project ?? null, samples, embeddings, head: head ?? null };
}

/** Replaces everything stored with this project, in one transaction: all of it is written, or nothing changes. */
export function replaceWithSnapshot(s: ProjectSnapshot): Promise<void> {
  return writeAll(STORES, (tx) => [
    ...STORES.map((name) => tx.objectStore(name).clear()),
    ...(s.project ? [tx.objectStore('project').put(s.project, CURRENT)] : []),
    ...s.samples.flatMap(({ original, ...row }) => [tx.objectStore('samples').put(row), tx.objectStore('originals').put(original, row.id)]),
    ...s.embeddings.map(([k, v]) => tx.objectStore('embeddings').put(v, k)),
    ...(s.head ? [tx.objectStore('head').put(s.head, CURRENT)] : []),
  ]);
}
