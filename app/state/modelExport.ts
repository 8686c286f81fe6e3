/** "Export model": the trained classifier as a zip in Teachable Machine's layout (built in the worker). */
import { version } from '../../package.json';
import { downloadBlob } from '../platform/download';
import { readModelFiles, zipModel } from '../platform/modelZip';
import { workerApi } from '../worker/client';
import type { ClassScore } from '../worker/protocol';
import { get, message, notify } from './base';
import { runCommand } from './queue';

export const MODEL_ZIP_NAME = 'headstart-model.zip';

/** Builds the export of the trained head and downloads it; a failure becomes a notice. */
export async function exportModel(): Promise<void> {
  await runCommand('export the model', 'all', async () => {
    const { training, classes } = get();
    if (!training.summary) throw new Error('train the model first');
    const labels = training.summary.classIds.map((id) => classes.find((c) => c.id === id)?.name ?? id);
    const files = await workerApi().exportModel({ labels, modelName: 'headstart-model', appVersion: version });
    downloadBlob(zipModel(files), MODEL_ZIP_NAME);
  });
}

/** Opens an exported model (a zip, or its loose files) to preview images with; the project is not touched. */
export async function openModel(files: readonly File[]): Promise<{ modelName: string; labels: string[] } | null> {
  try {
    return await workerApi().openModel(await readModelFiles(files));
  } catch (error) {
    notify('error', `Could not open ${files.map((f) => f.name).join(', ')} as a model: ${message(error)}.`);
    return null;
  }
}

/** The opened model's class probabilities for one image, best first (classId is the label). */
export async function predictWithOpenedModel(file: File): Promise<ClassScore[] | null> {
  try {
    return await workerApi().predictWithOpened(file);
  } catch (error) {
    notify('error', `Could not classify ${file.name}: ${message(error)}.`);
    return null;
  }
}
