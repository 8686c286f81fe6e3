/**
 * "Export model": the trained classifier as a zip in Teachable Machine's layout, or in another format
 * (TFLite float32 or int8, ONNX, PyTorch), each built in the worker; and "Open a model".
 */
import { create } from 'zustand';
import { version } from '../../package.json';
import { downloadBlob } from '../platform/download';
import { readModelFiles, zipModel } from '../platform/modelZip';
import { callback, workerApi } from '../worker/client';
import type { ClassScore, ExportFormat, FormatProgress, Int8Report, TrainSummary } from '../worker/protocol';
import { get, message, notify } from './base';
import { FORMAT_ZIP_NAMES, formatFiles } from './formatFiles';
import { runCommand } from './queue';

export const MODEL_ZIP_NAME = 'headstart-model.zip';

/** Class names in the head's output order (a class deleted since training keeps its id). */
function headLabels(summary: TrainSummary, classes: readonly { id: string; name: string }[]): string[] {
  return summary.classIds.map((id) => classes.find((c) => c.id === id)?.name ?? id);
}

/** Builds the export of the trained head and downloads it; a failure becomes a notice. */
export async function exportModel(): Promise<void> {
  await runCommand('export the model', 'all', async () => {
    const { training, classes } = get();
    if (!training.summary) throw new Error('train the model first');
    const labels = headLabels(training.summary, classes);
    const files = await workerApi().exportModel({ labels, modelName: 'headstart-model', appVersion: version });
    downloadBlob(zipModel(files), MODEL_ZIP_NAME);
  });
}

/** Where one format's export stands, for its row in the dialog. */
export type FormatStatus =
  | { state: 'preparing'; progress: FormatProgress | null }
  | { state: 'done'; file: string; bytes: number; ms: number; int8?: Int8Report }
  | { state: 'failed'; error: string };

export interface OpenedModel {
  modelName: string;
  labels: string[];
}

/** The export dialog's state beside the project's: each format's last export, and the model opened to preview with. */
export const useModelFiles = create<{ formats: Partial<Record<ExportFormat, FormatStatus>>; opened: OpenedModel | null }>(() => ({ formats: {}, opened: null }));

function setFormat(format: ExportFormat, status: FormatStatus): void {
  useModelFiles.setState((s) => ({ formats: { ...s.formats, [format]: status } }));
}

/** Why a format cannot be exported now, or null: only a model trained here can be (an opened one is not the project's). */
export function exportRefusal(trained: boolean, opened: OpenedModel | null): string | null {
  if (trained) return null;
  if (opened) {
    return `${opened.modelName} was opened from a file, not trained here: Headstart exports only a model it trained, whose images, head and preprocessing it knows. Train a model on your classes to export it; the opened model and your project are left as they are.`;
  }
  return 'Train the model first.';
}

/** A quarter of the device's memory (navigator.deviceMemory, in GiB, where the browser tells it): what an export may count on. */
function deviceBudgetBytes(): number | null {
  const gib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return typeof gib === 'number' && gib > 0 ? (gib * 2 ** 30) / 4 : null;
}

/**
 * Exports the trained model in one format and downloads it as one zip; the dialog shows the progress,
 * the outcome, and a refusal or failure (as a message in the dialog: nothing is downloaded or changed).
 */
export async function exportFormat(format: ExportFormat): Promise<void> {
  setFormat(format, { state: 'preparing', progress: null });
  await runCommand(`export the ${format} model`, 'all', async () => {
    try {
      const { training, classes } = get();
      const refusal = exportRefusal(training.summary !== null, useModelFiles.getState().opened);
      if (refusal || !training.summary) throw new Error(refusal ?? 'Train the model first.');
      const summary = training.summary;
      const labels = headLabels(summary, classes);
      const result = await workerApi().exportFormat(
        {
          format,
          labels,
          modelName: 'headstart-model',
          appVersion: version,
          measured: (summary.measured ?? []).map((m) => m.sampleId),
          scope: summary.metrics.scope,
          views: summary.augmented ? { views: summary.augmented.views, kinds: summary.augmented.kinds } : null,
          deviceBudgetBytes: deviceBudgetBytes(),
        },
        callback((progress: FormatProgress) => setFormat(format, { state: 'preparing', progress })),
      );
      downloadBlob(zipModel(formatFiles(result)), FORMAT_ZIP_NAMES[format]);
      setFormat(format, { state: 'done', file: FORMAT_ZIP_NAMES[format], bytes: result.model.length, ms: result.ms, ...(result.int8 ? { int8: result.int8 } : {}) });
    } catch (error) {
      const text = message(error);
      setFormat(format, { state: 'failed', error: text.charAt(0).toUpperCase() + text.slice(1) });
    }
  });
}

/** Opens an exported model (a zip, or its loose files) to preview images with; the project is not touched. */
export async function openModel(files: readonly File[]): Promise<OpenedModel | null> {
  try {
    const opened = await workerApi().openModel(await readModelFiles(files));
    useModelFiles.setState({ opened });
    return opened;
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
