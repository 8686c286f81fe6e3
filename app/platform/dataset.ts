/**
 * Datasets in the folder-per-class layout (what Keras image_dataset_from_directory, torchvision
 * ImageFolder and Create ML read): grouping dropped folders and zip entries into classes, and
 * writing a project back out as such a zip (fflate), and walking dropped folders.
 */
import { unzip, zipSync, type Unzipped } from 'fflate';

export interface PathedFile {
  /** Relative path with '/' separators, e.g. "cats/tabby/1.jpg". */
  path: string;
  file: File;
}

export interface Rejected {
  name: string;
  reason: string;
}

export interface GroupedDataset {
  /** Class name → files, in the order found. */
  classes: Map<string, File[]>;
  rejected: Rejected[];
}

const IMAGE_EXT = /\.(png|jpe?g|gif|webp|bmp|avif|heic|heif|tiff?|svg|ico)$/i;
const JUNK = /(^|\/)(__MACOSX|\.DS_Store|Thumbs\.db|desktop\.ini)(\/|$)|(^|\/)\._/;

export function looksLikeImage(name: string, type: string): boolean {
  return type.startsWith('image/') || IMAGE_EXT.test(name);
}

/**
 * Folder name = class. A single common root folder (a dropped "dataset/" holding class folders)
 * is stripped; files nested deeper belong to their top-level class folder; files with no folder
 * cannot be assigned and are rejected, as are non-images and system junk.
 */
export function groupByFolder(files: PathedFile[]): GroupedDataset {
  const rejected: Rejected[] = [];
  const usable = files.filter((f) => {
    if (JUNK.test(f.path)) return false;
    if (!looksLikeImage(f.path, f.file.type)) {
      rejected.push({ name: f.path, reason: 'it is not an image file' });
      return false;
    }
    return true;
  });
  const parts = usable.map((f) => f.path.split('/').filter((p) => p !== '' && p !== '.'));
  const roots = new Set(parts.map((p) => p[0]));
  const strip = roots.size === 1 && parts.every((p) => p.length > 2) ? 1 : 0;
  const classes = new Map<string, File[]>();
  usable.forEach((f, i) => {
    const p = parts[i].slice(strip);
    if (p.length < 2) {
      rejected.push({ name: f.path, reason: 'it is not inside a class folder' });
      return;
    }
    const name = p[0].trim();
    classes.set(name, [...(classes.get(name) ?? []), f.file]);
  });
  return { classes, rejected };
}

export interface ZipLimits {
  /** Largest single entry, uncompressed. */
  maxEntryBytes: number;
  /** Largest total of all entries, uncompressed. */
  maxTotalBytes: number;
  maxEntries: number;
}

export const ZIP_LIMITS: ZipLimits = { maxEntryBytes: 64 * 2 ** 20, maxTotalBytes: 2 * 2 ** 30, maxEntries: 20_000 };

const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp', avif: 'image/avif', svg: 'image/svg+xml', heic: 'image/heic', heif: 'image/heif' };

function mimeOf(name: string): string {
  return MIME[name.slice(name.lastIndexOf('.') + 1).toLowerCase()] ?? '';
}

/** A zip entry path that would escape the folder it is extracted to ("../x", "/etc/x", "C:\x"). */
export function unsafeZipPath(path: string): boolean {
  const p = path.replace(/\\/g, '/');
  return p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.split('/').includes('..');
}

/**
 * Reads a zip in the folder-per-class layout. Entries that escape the archive, and archives
 * whose declared sizes exceed the limits (zip bombs), are refused before anything is inflated.
 */
export async function readZip(zip: File, limits: ZipLimits = ZIP_LIMITS): Promise<GroupedDataset & { fatal?: string }> {
  const bytes = new Uint8Array(await zip.arrayBuffer());
  const rejected: Rejected[] = [];
  let total = 0;
  let entries = 0;
  let fatal: string | undefined;
  const unzipped = await new Promise<Unzipped>((resolve, reject) =>
    unzip(
      bytes,
      {
        filter: (entry) => {
          if (entry.name.endsWith('/') || JUNK.test(entry.name)) return false;
          if (unsafeZipPath(entry.name)) {
            rejected.push({ name: `${zip.name}: ${entry.name}`, reason: 'its path points outside the zip' });
            return false;
          }
          entries++;
          total += entry.originalSize;
          if (entry.originalSize > limits.maxEntryBytes) {
            rejected.push({ name: `${zip.name}: ${entry.name}`, reason: `it would unpack to more than ${limits.maxEntryBytes / 2 ** 20} MB` });
            return false;
          }
          if (total > limits.maxTotalBytes || entries > limits.maxEntries) {
            fatal = `${zip.name} would unpack to more than ${limits.maxTotalBytes / 2 ** 30} GB or ${limits.maxEntries} files; it was not imported`;
            return false;
          }
          return true;
        },
      },
      (error, data) => (error ? reject(error) : resolve(data)),
    ),
  ).catch((error: Error) => {
    fatal = `${zip.name} is not a readable zip (${error.message})`;
    return {} as Unzipped;
  });
  if (fatal) return { classes: new Map(), rejected, fatal };
  const files = Object.entries(unzipped).map(([path, data]) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    return { path, file: new File([data as Uint8Array<ArrayBuffer>], name, { type: mimeOf(name) }) };
  });
  const grouped = groupByFolder(files);
  return { classes: grouped.classes, rejected: [...rejected, ...grouped.rejected.map((r) => ({ ...r, name: `${zip.name}: ${r.name}` }))] };
}

/** A file or folder name that is safe on Windows, macOS and Linux. */
export function safeName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const cleaned = name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_').replace(/^[.\s]+|[.\s]+$/g, '');
  return cleaned === '' ? '_' : cleaned.slice(0, 120);
}

/** Zips classes of files as `<class>/<file>`, original bytes, names made safe and unique. */
export async function writeDatasetZip(classes: { name: string; files: { name: string; blob: Blob }[] }[]): Promise<Blob> {
  const tree: Record<string, Record<string, Uint8Array>> = {};
  const folders = new Set<string>();
  for (const cls of classes) {
    let folder = safeName(cls.name);
    for (let i = 2; folders.has(folder.toLowerCase()); i++) folder = `${safeName(cls.name)} (${i})`;
    folders.add(folder.toLowerCase());
    const names = new Set<string>();
    const entries: Record<string, Uint8Array> = {};
    for (const f of cls.files) {
      const base = safeName(f.name);
      const dot = base.lastIndexOf('.');
      const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
      let name = base;
      for (let i = 2; names.has(name.toLowerCase()); i++) name = `${stem} (${i})${ext}`;
      names.add(name.toLowerCase());
      entries[name] = new Uint8Array(await f.blob.arrayBuffer());
    }
    tree[folder] = entries;
  }
  // Images are already compressed: store them rather than deflate again.
  return new Blob([zipSync(tree, { level: 0 }) as Uint8Array<ArrayBuffer>], { type: 'application/zip' });
}

/** Every file under a dropped item, with its relative path (folders walked recursively). */
export async function filesFromDataTransfer(items: DataTransferItemList): Promise<PathedFile[]> {
  const entries = Array.from(items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => Boolean(e));
  const out: PathedFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ path: prefix + entry.name, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns at most ~100 entries per call: read until it returns none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}
