/**
 * "Download project" / "Open project": the whole saved project as one file (platform/projectFile.ts),
 * and such a file back in place of the current project. A file that is not a whole Headstart project is
 * refused by name before anything changes; opening asks first when the current project has classes.
 */
import * as db from '../platform/db';
import { downloadBlob } from '../platform/download';
import { readProjectFile, writeProjectFile } from '../platform/projectFile';
import { get, message, notify } from './base';
import { leaveProject } from './deletion';
import { restoreSaved } from './project';
import { runCommand } from './queue';

export const PROJECT_FILE_NAME = 'headstart-project.zip';

/** Downloads the saved project (after the commands queued before it) as one zip. */
export function downloadProject(): Promise<void> {
  return runCommand('download the project', 'all', async () => {
    const bytes = writeProjectFile(await db.readSnapshot());
    downloadBlob(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), PROJECT_FILE_NAME);
  }).then(() => undefined);
}

/**
 * Opens a project file in place of the current project: read and checked first (refused by name, the
 * current project unchanged), then, once confirmed, stored in one transaction and restored from there,
 * so its embeddings and trained head are used as they are (nothing recomputed, no retraining).
 */
export async function openProject(file: File, confirm: (question: string) => boolean = (q) => window.confirm(q)): Promise<void> {
  let snapshot: db.ProjectSnapshot;
  try {
    snapshot = readProjectFile(file.name, new Uint8Array(await file.arrayBuffer()));
  } catch (error) {
    notify('error', message(error));
    return;
  }
  const images = snapshot.samples.length;
  const classes = snapshot.project?.classes.length ?? 0;
  if (get().classes.length > 0 && !confirm(`Open ${file.name} (${classes} classes, ${images} images${snapshot.head ? ', trained' : ''})? It replaces the current project, which is deleted from this browser. Download the current project first to keep it.`)) return;
  await leaveProject(`open ${file.name}`, async (signal) => {
    try {
      await db.replaceWithSnapshot(snapshot);
    } catch (error) {
      notify('error', `${file.name} could not be stored (${message(error)}); the previous project is kept.`);
    }
    await restoreSaved(signal);
    notify('info', `Opened ${file.name}: ${classes} classes, ${images} images${snapshot.head ? ', trained' : ''}.`);
  });
}
