/**
 * "Open a model": a Headstart or Teachable Machine export (model.json + weight files + metadata.json)
 * loaded to classify images without training. Every way the files can be wrong becomes an Error
 * whose message names the problem.
 */
import * as tf from '@tensorflow/tfjs';
import { TM_SCALE } from './exportModel';

export interface OpenedModel {
  model: tf.LayersModel;
  labels: string[];
  modelName: string;
  imageSize: number;
}

const text = new TextDecoder();

function parseJson(files: Record<string, Uint8Array>, name: string): unknown {
  const bytes = files[name];
  if (!bytes) throw new Error(`there is no ${name} in it`);
  try {
    return JSON.parse(text.decode(bytes));
  } catch {
    throw new Error(`${name} is not valid JSON`);
  }
}

/** Files by name (a zip's entries; folders inside the zip are ignored) → the loaded model and its labels. */
export async function openModelFiles(entries: Record<string, Uint8Array>): Promise<OpenedModel> {
  const files = Object.fromEntries(Object.entries(entries).map(([path, data]) => [path.split('/').pop() ?? path, data]));
  const json = parseJson(files, 'model.json') as { modelTopology?: unknown; weightsManifest?: { paths?: unknown; weights?: unknown }[] };
  const metadata = parseJson(files, 'metadata.json') as { labels?: unknown; modelName?: unknown; imageSize?: unknown };
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error('model.json is not a TF.js layers model (no modelTopology or weightsManifest)');
  }
  if (!Array.isArray(metadata?.labels) || !metadata.labels.every((l) => typeof l === 'string')) throw new Error('metadata.json has no list of labels');
  const labels = metadata.labels as string[];
  const paths = json.weightsManifest.flatMap((g) => (Array.isArray(g.paths) ? g.paths : []) as string[]);
  const missing = paths.filter((p) => !files[p.split('/').pop() ?? p]);
  if (missing.length > 0) throw new Error(`the weight file${missing.length > 1 ? 's' : ''} ${missing.join(', ')} named in model.json ${missing.length > 1 ? 'are' : 'is'} missing`);
  const weightSpecs = json.weightsManifest.flatMap((g) => (Array.isArray(g.weights) ? g.weights : []) as tf.io.WeightsManifestEntry[]);
  const data = new Uint8Array(paths.reduce((n, p) => n + files[p.split('/').pop() ?? p].length, 0));
  paths.reduce((offset, p) => {
    const part = files[p.split('/').pop() ?? p];
    data.set(part, offset);
    return offset + part.length;
  }, 0);

  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs, weightData: data.buffer }));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(/Unknown layer/i.test(why) ? `model.json uses a layer TF.js does not know (${why.split('\n')[0]})` : `model.json could not be loaded: ${why.split('\n')[0]}`);
  }
  const input = model.inputs[0].shape;
  const output = model.outputs[0].shape;
  const size = typeof metadata.imageSize === 'number' ? metadata.imageSize : 224;
  const problem =
    model.inputs.length !== 1 || input.length !== 4 || input[1] !== size || input[2] !== size || input[3] !== 3
      ? `the model's input is ${JSON.stringify(input)}, not an RGB image of ${size}×${size} ([null, ${size}, ${size}, 3])`
      : output.length !== 2 || output[1] !== labels.length
        ? `metadata.json has ${labels.length} labels but the model has ${output[1] ?? '?'} outputs`
        : null;
  if (problem) {
    model.dispose();
    throw new Error(problem);
  }
  return { model, labels, modelName: typeof metadata.modelName === 'string' ? metadata.modelName : 'model', imageSize: size };
}

/** Class probabilities for images given as [n, size, size, 3] in [0, 1], fed as Teachable Machine does (x/127 − 1). */
export function predictOpened(opened: OpenedModel, pixels: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => opened.model.predict(pixels.mul(255 / TM_SCALE.divide).sub(TM_SCALE.subtract)) as tf.Tensor2D);
}
