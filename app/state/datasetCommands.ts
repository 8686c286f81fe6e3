/** Whole datasets in and out: folder trees, zips, export. */
import * as db from '../platform/db';
import { groupByFolder, readZip, writeDatasetZip, type GroupedDataset, type PathedFile } from '../platform/dataset';
import { downloadBlob } from '../platform/download';
import { get, notify } from './base';
import { addClass } from './classes';
import { addFiles } from './ingest';

/** Adds a folder-per-class dataset: existing classes (same name) are filled, new ones created. */
async function importGrouped(grouped: GroupedDataset): Promise<void> {
  for (const r of grouped.rejected) notify('error', `${r.name} was not imported: ${r.reason}.`);
  for (const [name, files] of grouped.classes) {
    const existing = get().classes.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const id = existing?.id ?? addClass(name);
    await addFiles(id, files);
  }
}

/** Files from a dropped or picked folder tree: each folder becomes a class. */
export async function importFolder(files: PathedFile[]): Promise<void> {
  const grouped = groupByFolder(files);
  if (grouped.classes.size === 0 && grouped.rejected.length === 0) notify('error', 'The folder holds no images.');
  await importGrouped(grouped);
}

/** A zip of class folders. */
export async function importZip(zip: File): Promise<void> {
  const result = await readZip(zip);
  if (result.fatal) {
    notify('error', result.fatal);
    return;
  }
  if (result.classes.size === 0) notify('error', `${zip.name} holds no class folders with images.`);
  await importGrouped(result);
}

/** Downloads every image, byte for byte, as <class>/<file> in a zip. */
export async function exportDataset(): Promise<void> {
  const shown = get().classes;
  const samples = new Map((await db.getSamples(shown.flatMap((c) => c.sampleIds))).map((x) => [x.id, x]));
  const classes = shown.map((c) => ({
    name: c.name,
    files: c.sampleIds.map((id) => samples.get(id)).filter((x) => x !== undefined).map((x) => ({ name: x.name, blob: x.blob })),
  }));
  downloadBlob(await writeDatasetZip(classes), 'headstart-dataset.zip');
}
