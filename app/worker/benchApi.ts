/** Entry points for `npm run bench` and `npm run eval` only; the app itself never calls them. */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { augmentBatch, viewsOf, withMargin, type AugmentSettings } from '../ml/augment';
import { EMBED_BATCH } from '../ml/backbones';
import { pixelsToBatch } from '../ml/preprocess';
import type { Backbone } from '../ml/backbone';
import type { DecodedImage } from './decode';
import { bareThroughput, headEpochMs, kernelUs, type HeadBench, type KernelBench } from './bench';
import { fineTuneBench, type FineTuneBench } from './fineTuneBench';
import { evalFineTune, type FineTuneEvalRequest } from './fineTuneEval';
import { decode, embedBothViews, exclusive, ready, toBatch } from './session';
import { flipLabels, nearDuplicates, outOfFoldProbabilities, rankLabelIssues } from '../ml/labelCheck';
import { predictHead } from '../ml/head';
import { DEFAULT_HEAD_SETTINGS } from '../ml/settings';

/**
 * A stand-in backbone whose embedding is the layers twin's own, after the average-pooled
 * activations of `layers` (for studying which layers' features transfer).
 */
async function pooledLayers(layers: string[]): Promise<Backbone> {
  const { backbone, baseUrl } = ready();
  const model = await tf.loadLayersModel(new URL('models/mobilenet_v2_140_layers/model.json', baseUrl).href);
  // "name" average-pools that layer; "name:max" takes the maximum over positions, "name:gem" the cube root of the mean cube.
  const specs = layers.map((spec) => spec.split(':') as [string, string?]);
  const names = [...new Set(specs.map(([name]) => name))];
  const outputs = [...names.map((name) => model.getLayer(name).getOutputAt(0) as tf.SymbolicTensor), model.outputs[0]];
  const sub = tf.model({ inputs: model.inputs, outputs });
  const pool = (t: tf.Tensor, how = 'mean') =>
    how === 'max' ? t.max([1, 2]) : how === 'gem' ? t.relu().pow(3).mean([1, 2]).pow(1 / 3) : t.mean([1, 2]);
  const embed = (pixels: tf.Tensor4D) =>
    tf.tidy(() => {
      const out = sub.predict(pixels) as tf.Tensor[];
      return tf.concat([...specs.map(([name, how]) => pool(out[names.indexOf(name)], how)), out[names.length]], 1) as tf.Tensor2D;
    });
  const featureDim = tf.tidy(() => embed(tf.zeros([1, backbone.spec.inputSize, backbone.spec.inputSize, 3])).shape[1]);
  return { ...backbone, spec: { ...backbone.spec, featureDim }, embed, dispose: () => model.dispose() };
}

/** The images with a margin (withMargin), as decoded images again. */
async function framed(images: DecodedImage[], margin: number): Promise<DecodedImage[]> {
  const size = ready().backbone.spec.inputSize;
  const out = tf.tidy(() => withMargin(pixelsToBatch(images.map((i) => i.pixels), size), margin));
  const values = (await out.data()) as Float32Array;
  out.dispose();
  const each = size * size * 3;
  return images.map((image, i) => ({ ...image, pixels: values.slice(i * each, (i + 1) * each) }));
}

export const benchApi = {
  /** `npm run bench`: images/s of the bare backbone on pre-made tensors. */
  benchBare(batch: number, images: number): Promise<number> {
    return exclusive(() => bareThroughput(ready().backbone, batch, images));
  },

  /** `npm run bench -- --threads`: µs per call of the head's kernels and of one training step, 3 classes. */
  benchKernels(): Promise<KernelBench> {
    return exclusive(() => kernelUs(ready().cache.dim, DEFAULT_HEAD_SETTINGS.hiddenUnits, 3));
  },

  /** `npm run bench`: ms per epoch of the app's head loop ('ours') or the Teachable-Machine-style one ('tm'). */
  benchHead(loop: 'ours' | 'tm', n: number, epochs: number): Promise<HeadBench> {
    return exclusive(() => headEpochMs(loop, n, ready().cache.dim, 5, epochs));
  },

  /** `npm run bench`: fine-tuning the default backbone's last 1–3 blocks: step ms, cut cache and optimizer bytes. */
  benchFineTune(steps: number): Promise<FineTuneBench> {
    return exclusive(() => fineTuneBench(new URL('models/mobilenet_v2_140_layers/model.json', ready().baseUrl).href, 16, steps));
  },

  /** `npm run eval -- --fine-tune-blocks N`: head only vs the last N blocks fine-tuned (fineTuneEval.ts). */
  evalFineTune(request: FineTuneEvalRequest): ReturnType<typeof evalFineTune> {
    return exclusive(() => evalFineTune(ready(), request));
  },

  /** `npm run eval -- --label-check --noise F`: the labels with a share F flipped to another class, seeded (labelCheck.ts). */
  flipLabels(labels: number[], numClasses: number, fraction: number, seed: number): ReturnType<typeof flipLabels> {
    return flipLabels(labels, numClasses, fraction, seed);
  },

  /**
   * `npm run eval -- --label-check`: the trained head's answer (index into its classes) for embeddings given
   * as seen and mirrored (from embedImages), averaging both when the head flips at test time, as predict does.
   */
  predictEmbedded(dim: number, plain: Float32Array, mirrored: Float32Array): Promise<number[]> {
    return exclusive(async () => {
      const s = ready();
      if (!s.head) throw new Error('Train the model before predicting.');
      const head = s.head;
      const n = plain.length / dim;
      const probs = tf.tidy(() => predictHead(head, tf.tensor2d(plain, [n, dim]), s.headTestTimeFlip ? tf.tensor2d(mirrored, [n, dim]) : undefined).argMax(1));
      const out = Array.from(await probs.data());
      probs.dispose();
      return out;
    });
  },

  /**
   * `npm run eval -- --label-check --synthetic N`: Check labels' work (k-fold heads with the default settings,
   * ranking, duplicates: what worker/labelCheck.ts runs on the cache) timed on N made-up embeddings of the
   * backbone's width, mirrors included, in `classes` clusters: the numbers do not change the work.
   */
  labelCheckTiming(n: number, classes: number): Promise<{ foldsMs: number; rankMs: number; duplicatesMs: number; ms: number }> {
    return exclusive(async () => {
      const dim = ready().backbone.spec.featureDim;
      const labels = Array.from({ length: n }, (_, i) => i % classes);
      const [plain, mirrored] = tf.tidy(() => {
        const centres = tf.randomUniform([classes, dim], 0, 1, 'float32', 1);
        const base = tf.gather(centres, tf.tensor1d(labels, 'int32')).add(tf.randomNormal([n, dim], 0, 0.5, 'float32', 2)).relu() as tf.Tensor2D;
        return [base, base.add(tf.randomNormal([n, dim], 0, 0.1, 'float32', 3)).relu() as tf.Tensor2D];
      });
      try {
        const started = performance.now();
        const oof = await outOfFoldProbabilities({ plain, mirrored, rows: labels.map((_, i) => i), labels, numClasses: classes, settings: DEFAULT_HEAD_SETTINGS });
        const folded = performance.now();
        rankLabelIssues(oof.probabilities, labels, classes);
        const ranked = performance.now();
        await nearDuplicates(plain);
        const done = performance.now();
        return { foldsMs: folded - started, rankMs: ranked - folded, duplicatesMs: done - ranked, ms: done - started };
      } finally {
        tf.dispose([plain, mirrored]);
      }
    });
  },

  /** The batch size the app embeds with. */
  embedBatch(): number {
    return EMBED_BATCH;
  },

  /**
   * `npm run eval -- --dump`: embeddings of images without adding them to the project, as seen
   * and mirrored left-right, for offline analysis of head variants. Row-major [n, dim]. With
   * `augment`, also each image's augmented views ([n·K, dim], image i's at rows i·K…), drawn from the
   * file's name.
   */
  embedImages(
    blobs: Blob[],
    augment?: AugmentSettings,
    margin = 0,
    layers: string[] = [],
  ): Promise<{ dim: number; plain: Float32Array; mirrored: Float32Array; augmented: Float32Array }> {
    return exclusive(async () => {
      const backbone = layers.length > 0 ? await pooledLayers(layers) : ready().backbone;
      const dim = backbone.spec.featureDim;
      const k = augment?.views ?? 0;
      const plain = new Float32Array(blobs.length * dim);
      const mirrored = new Float32Array(blobs.length * dim);
      const augmented = new Float32Array(blobs.length * k * dim);
      for (let start = 0; start < blobs.length; start += EMBED_BATCH) {
        const part = blobs.slice(start, start + EMBED_BATCH);
        const decoded = await Promise.all(part.map(async (b) => (await decode(b, backbone.spec.inputSize)).image));
        const images = margin > 0 ? await framed(decoded, margin) : decoded;
        const { plain: a, mirror: b } = embedBothViews(backbone, images);
        plain.set(await a.data(), start * dim);
        mirrored.set(await b.data(), start * dim);
        tf.dispose([a, b]);
        if (augment && k > 0) {
          const views = part.map((blob, i) => viewsOf(blob instanceof File ? blob.name : start + i, augment));
          for (let i = 0; i < images.length; i++) {
            const e = tf.tidy(() => backbone.embed(augmentBatch(toBatch(backbone, [images[i]]), [views[i]])));
            augmented.set(await e.data(), (start + i) * k * dim);
            e.dispose();
          }
        }
      }
      if (layers.length > 0) backbone.dispose();
      return Comlink.transfer({ dim, plain, mirrored, augmented }, [plain.buffer, mirrored.buffer, augmented.buffer]);
    });
  },
};
