/**
 * "Open a model": an export (Headstart's or Teachable Machine's) held beside the project, to preview
 * images with. It never touches the project's backbone, embeddings or head.
 */
import * as tf from '@tensorflow/tfjs';
import { openModelFiles, predictOpened, type OpenedModel } from '../ml/openModel';
import { pixelsToBatch } from '../ml/preprocess';
import type { ClassScore } from './protocol';
import { decode } from './session';

let opened: OpenedModel | null = null;

/** Loads the files of an export (by name); replaces the model opened before only if this one is valid. */
export async function openModel(files: Record<string, Uint8Array>): Promise<{ modelName: string; labels: string[] }> {
  const next = await openModelFiles(files);
  opened?.model.dispose();
  opened = next;
  return { modelName: next.modelName, labels: next.labels };
}

/** Class probabilities of the opened model for one image, best first (classId is the label). */
export async function predictWithOpened(blob: Blob): Promise<ClassScore[]> {
  const model = opened;
  if (!model) throw new Error('Open a model first.');
  const { image } = await decode(blob, model.imageSize);
  const probs = tf.tidy(() => predictOpened(model, pixelsToBatch([image.pixels], model.imageSize)));
  const values = await probs.data();
  probs.dispose();
  return model.labels.map((label, i) => ({ classId: label, probability: values[i] })).sort((a, b) => b.probability - a.probability);
}

export function closeOpenedModel(): void {
  opened?.model.dispose();
  opened = null;
}
