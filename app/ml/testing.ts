/** Helpers shared by the ML unit tests (Node, TF.js CPU backend). Not used by the app. */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { BackboneSpec } from './backbones';
import { rgbaToPixels } from './imageInput';

/** Loads a model folder written by scripts/prepare-models.mjs from disk. */
export function diskModel(folder: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
      const group = json.weightsManifest[0];
      const bytes = readFileSync(join(folder, group.paths[0]));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: group.weights,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
  };
}

export const TINY_SPEC: BackboneSpec = {
  id: 'tiny',
  label: 'tiny test backbone',
  kind: 'layers',
  folder: 'unused',
  cutPoint: 'cut_relu',
  inputSize: 16,
  featureDim: 8,
  preprocessVersion: 1,
};

/** A small conv net with batch norm, saved and handed back as an in-memory IOHandler (the real loading path). */
export async function tinyBackboneSource(): Promise<tf.io.IOHandler> {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'conv', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'cut_relu' }).apply(x) as tf.SymbolicTensor;
  const old = tf.layers.dense({ units: 5, name: 'old_head' }).apply(tf.layers.flatten().apply(x)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: old });
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  if (!saved) throw new Error('tiny model was not saved');
  return tf.io.fromMemory(saved);
}

/** Two clusters of random images: class 0 dark, class 1 bright. */
export function twoClassPixels(perClass: number, size: number): { pixels: tf.Tensor4D; labels: number[] } {
  return tf.tidy(() => {
    const dark = tf.randomUniform([perClass, size, size, 3], 0, 0.4, 'float32', 7);
    const bright = tf.randomUniform([perClass, size, size, 3], 0.6, 1, 'float32', 8);
    return {
      pixels: tf.concat([dark, bright]) as tf.Tensor4D,
      labels: [...new Array(perClass).fill(0), ...new Array(perClass).fill(1)],
    };
  });
}

/**
 * The real images of e2e/fixtures (64×64 Noto emoji PNGs with alpha), decoded with pngjs, composited on
 * white as the app does, and resized to size×size: [n, size, size, 3] in [0, 1], in path order.
 */
export function fixturePixels(size: number, count?: number): { pixels: tf.Tensor4D; paths: string[] } {
  const root = join(__dirname, '..', '..', 'e2e', 'fixtures');
  const paths = (readdirSync(root, { recursive: true }) as string[]).filter((p) => p.endsWith('.png')).sort().slice(0, count);
  const pixels = tf.tidy(() =>
    tf.stack(
      paths.map((p) => {
        const png = PNG.sync.read(readFileSync(join(root, p)));
        const rgb = tf.tensor3d(rgbaToPixels(png.data, png.width), [png.height, png.width, 3]);
        return tf.image.resizeBilinear(rgb, [size, size]);
      }),
    ),
  ) as tf.Tensor4D;
  return { pixels, paths };
}
