/**
 * The project file ("Download project" / "Open project"): one zip (fflate, stored, every entry dated
 * 1 Jan 2000 so the same project always gives the same bytes) holding
 * - headstart-project.json: the manifest (format name and version, the project record — classes in
 *   order and settings —, each image's id, class, name, hash, order and types, the embeddings' keys,
 *   and the trained head's topology, weight specs, class order and summary);
 * - images/<hash>: each original file, byte for byte; thumbnails/<hash>: its thumbnail;
 * - embeddings.bin: the embeddings (float32, little-endian) in the manifest's key order;
 * - head/weights.bin and head/blocks.bin: the head's weights and the adapted blocks' (when any).
 * TF-free; `readProjectFile` refuses anything else by the file's name, and never half-reads.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import type { ProjectSnapshot, SnapshotSample, StoredHead, StoredProject } from './db';

export const PROJECT_FORMAT = 'headstart-project';
export const PROJECT_VERSION = 1;
export const MANIFEST = 'headstart-project.json';
/** Zip entries' date: fixed, so downloading the same project twice gives the same bytes. */
const ENTRY_DATE = new Date(2000, 0, 1);

interface ManifestImage {
  id: string;
  classId: string;
  name: string;
  hash: string;
  order: number;
  type: string;
  thumbnailType: string;
}

interface Manifest {
  format: string;
  version: number;
  project: StoredProject;
  images: ManifestImage[];
  embeddings: { dim: number; keys: string[] };
  head: (Omit<StoredHead, 'weightData' | 'blocks'> & { blocks?: { count: number; lengths: number[] } }) | null;
}

const bytesOf = (a: ArrayBuffer | Float32Array) => (a instanceof ArrayBuffer ? new Uint8Array(a) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

function concat(arrays: Float32Array[]): Uint8Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return new Uint8Array(out.buffer);
}

/** The project as one zip. */
export function writeProjectFile(snapshot: ProjectSnapshot): Uint8Array {
  if (!snapshot.project) throw new Error('there is no project to download');
  const dim = snapshot.embeddings[0]?.[1].length ?? 0;
  const embeddings = snapshot.embeddings.filter(([, v]) => v.length === dim);
  const { head } = snapshot;
  const manifest: Manifest = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    project: snapshot.project,
    images: snapshot.samples.map((s) => ({ id: s.id, classId: s.classId, name: s.name, hash: s.hash, order: s.order, type: s.original.type, thumbnailType: s.thumbnail.type })),
    embeddings: { dim, keys: embeddings.map(([k]) => k) },
    head: head
      ? {
          topology: head.topology,
          weightSpecs: head.weightSpecs,
          classIds: head.classIds,
          summary: head.summary,
          ...(head.blocks ? { blocks: { count: head.blocks.count, lengths: head.blocks.weights.map((w) => w.length) } } : {}),
        }
      : null,
  };
  const files: Zippable = { [MANIFEST]: new TextEncoder().encode(JSON.stringify(manifest, null, 1)) };
  for (const s of snapshot.samples) {
    files[`images/${s.hash}`] = bytesOf(s.original.bytes);
    files[`thumbnails/${s.hash}`] = bytesOf(s.thumbnail.bytes);
  }
  files['embeddings.bin'] = concat(embeddings.map(([, v]) => v));
  if (head) {
    files['head/weights.bin'] = bytesOf(head.weightData);
    if (head.blocks) files['head/blocks.bin'] = concat(head.blocks.weights);
  }
  return zipSync(files, { level: 0, mtime: ENTRY_DATE });
}

/** An Error whose message names the file and says what is wrong with it. */
function refuse(fileName: string, why: string): Error {
  return new Error(`${fileName} is not a Headstart project${why.startsWith(':') ? '' : ' '}${why}`);
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/** Copies bytes into a buffer of their own (a zip entry is a view into the whole file). */
const own = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

function floats(bytes: Uint8Array, from: number, length: number): Float32Array {
  return new Float32Array(own(bytes.subarray(from * 4, (from + length) * 4)));
}

/**
 * Reads a project file. Throws an Error naming `fileName` when it is not a zip, not a Headstart project,
 * from a newer version, or missing a part; nothing is returned half-read.
 */
export function readProjectFile(fileName: string, bytes: Uint8Array): ProjectSnapshot {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    throw refuse(fileName, ': it is not a zip file.');
  }
  const manifestBytes = files[MANIFEST];
  if (!manifestBytes) throw refuse(fileName, `: it has no ${MANIFEST} (a zip of class folders is imported with "Import zip").`);
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(new TextDecoder().decode(manifestBytes)) as Partial<Manifest>;
  } catch {
    throw refuse(fileName, `: its ${MANIFEST} is not valid JSON.`);
  }
  if (!isObject(m) || m.format !== PROJECT_FORMAT) throw refuse(fileName, `: its ${MANIFEST} is not a Headstart project manifest.`);
  if (typeof m.version !== 'number' || m.version > PROJECT_VERSION) {
    throw new Error(`${fileName} is not a Headstart project this version can open: it was saved by a newer Headstart (project format ${String(m.version)}; this one opens format ${PROJECT_VERSION}). Reload Headstart to update it, then open the file again.`);
  }
  const missing = (part: string) => new Error(`${fileName} is not a complete Headstart project: ${part} is missing or damaged.`);
  const project = m.project;
  if (!isObject(project) || !Array.isArray(project.classes) || !project.classes.every((c) => isObject(c) && isString(c.id) && isString(c.name)) || !isObject(project.settings)) {
    throw missing('the list of classes or the settings');
  }
  const classIds = new Set(project.classes.map((c) => c.id));
  if (!Array.isArray(m.images)) throw missing('the list of images');
  const samples: SnapshotSample[] = m.images.map((img: Partial<ManifestImage>) => {
    if (!isObject(img) || !isString(img.id) || !isString(img.name) || !isString(img.hash) || !isString(img.classId) || !classIds.has(img.classId) || typeof img.order !== 'number') {
      throw missing('an entry of the list of images');
    }
    const original = files[`images/${img.hash}`];
    const thumbnail = files[`thumbnails/${img.hash}`];
    if (!original) throw missing(`images/${img.hash} (${img.name})`);
    if (!thumbnail) throw missing(`thumbnails/${img.hash} (${img.name})`);
    return {
      id: img.id,
      classId: img.classId,
      name: img.name,
      hash: img.hash,
      order: img.order,
      original: { bytes: own(original), type: String(img.type ?? '') },
      thumbnail: { bytes: own(thumbnail), type: String(img.thumbnailType ?? '') },
    };
  });
  const e = m.embeddings;
  const table = files['embeddings.bin'];
  if (!isObject(e) || !Array.isArray(e.keys) || !e.keys.every(isString) || typeof e.dim !== 'number' || !table || table.length !== e.keys.length * e.dim * 4) throw missing('embeddings.bin');
  const embeddings = e.keys.map((key, i): [string, Float32Array] => [key, floats(table, i * e.dim, e.dim)]);
  let head: StoredHead | null = null;
  if (m.head) {
    const h = m.head;
    const weights = files['head/weights.bin'];
    if (!isObject(h) || !isObject(h.topology) || !Array.isArray(h.weightSpecs) || !Array.isArray(h.classIds) || !isObject(h.summary) || !weights) throw missing('the trained model (head/weights.bin)');
    head = { topology: h.topology, weightSpecs: h.weightSpecs, weightData: own(weights), classIds: h.classIds, summary: h.summary };
    if (h.blocks) {
      const table = files['head/blocks.bin'];
      const lengths = h.blocks.lengths;
      if (!table || !Array.isArray(lengths) || table.length !== lengths.reduce((n, l) => n + l, 0) * 4) throw missing('the adapted blocks (head/blocks.bin)');
      let at = 0;
      head.blocks = { count: h.blocks.count, weights: lengths.map((l) => floats(table, (at += l) - l, l)) };
    }
  }
  return { project, samples, embeddings, head };
}
