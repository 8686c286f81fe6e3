/**
 * The files of a model export, in Teachable Machine's layout: model.json, its weight shards, and
 * metadata.json. TF-free (plain bytes and JSON), so the page can read an export back without TF.js.
 */
import type { ExportedModel } from './exportModel';

export interface ExportFile {
  name: string;
  data: Uint8Array;
}

/** Teachable Machine's metadata.json, plus `fit`: how an image becomes the square input. */
export interface ExportMetadata {
  tfjsVersion: string;
  packageName: string;
  packageVersion: string;
  timeStamp: string;
  userMetadata: Record<string, unknown>;
  modelName: string;
  labels: string[];
  imageSize: number;
  /** "cover": the centred square of the image, scaled to imageSize (what Headstart and Teachable Machine do). */
  fit: 'cover';
}

/** Weight shard size, as tensorflowjs_converter's default (4 MiB). */
export const SHARD_BYTES = 4 * 1024 * 1024;

export function exportFiles(model: ExportedModel, metadata: ExportMetadata): ExportFile[] {
  const bytes = new Uint8Array(model.weightData);
  const count = Math.max(1, Math.ceil(bytes.length / SHARD_BYTES));
  const shards = Array.from({ length: count }, (_, i) => ({
    name: `group1-shard${i + 1}of${count}.bin`,
    data: bytes.slice(i * SHARD_BYTES, (i + 1) * SHARD_BYTES),
  }));
  const modelJson = {
    format: 'layers-model',
    generatedBy: `${metadata.packageName} ${metadata.packageVersion}`,
    convertedBy: null,
    modelTopology: model.modelTopology,
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: model.weightSpecs }],
  };
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  return [{ name: 'model.json', data: text(modelJson) }, ...shards, { name: 'metadata.json', data: text(metadata) }];
}
