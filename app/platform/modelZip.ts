/** A model export as one zip (fflate): model.json, its weight shards and metadata.json at the top level. */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import type { ExportFile } from '../ml/exportFiles';

export function zipModel(files: readonly ExportFile[]): Blob {
  const entries: Zippable = {};
  // Float weights hardly compress: stored as they are, the zip is made at once; JSON is deflated.
  for (const f of files) entries[f.name] = [f.data, { level: f.name.endsWith('.json') ? 6 : 0 }];
  const bytes = zipSync(entries);
  return new Blob([bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer], { type: 'application/zip' });
}

/**
 * The files of a model someone picked: one zip (its entries) or the loose files themselves
 * (model.json, weight files, metadata.json), by name. A file that is not a zip is refused by name.
 */
export async function readModelFiles(picked: readonly File[]): Promise<Record<string, Uint8Array>> {
  if (picked.length === 1 && !picked[0].name.endsWith('.json')) {
    const bytes = new Uint8Array(await picked[0].arrayBuffer());
    try {
      return unzipSync(bytes);
    } catch {
      throw new Error(`${picked[0].name} is not a zip file`);
    }
  }
  const entries = await Promise.all(picked.map(async (f) => [f.name, new Uint8Array(await f.arrayBuffer())] as const));
  return Object.fromEntries(entries);
}
