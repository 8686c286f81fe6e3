/**
 * `npm run eval -- --fine-tune-blocks N`: head only against fine-tuning the last N blocks, on the same
 * images, decoded as the app decodes them. Each image (and its mirror) goes through the frozen layers
 * backbone once, to the deepest cut asked for; every run starts from those cached activations. For each
 * seed the head is trained first (the app's head loop, on the embeddings the frozen blocks give), then,
 * for N ≥ 1, the last N blocks and the head learn together (fineTune), and the test images are predicted
 * from the adapted blocks (with the test-time flip when the head settings ask for it).
 */
import * as tf from '@tensorflow/tfjs';
import { copyBlocks, cutLayerName, disposeBlocks, embedFromCut, type AdaptedBlocks } from '../ml/blocks';
import { DEFAULT_FINE_TUNE_SETTINGS, fineTune, type FineTuneSettings } from '../ml/fineTune';
import { createHead, predictHead, trainHead } from '../ml/head';
import { takeRows } from '../ml/headStep';
import type { HeadSettings } from '../ml/settings';
import { decode, toBatch, type Session } from './session';

export interface FineTuneEvalRequest {
  train: Blob[];
  trainLabels: number[];
  test: Blob[];
  numClasses: number;
  /** Block counts to compare (0 = head only). */
  blocks: number[];
  seeds: number;
  head: HeadSettings;
  /** Over DEFAULT_FINE_TUNE_SETTINGS. */
  fineTune?: Partial<FineTuneSettings>;
}

export interface FineTuneEvalRun {
  blocks: number;
  seed: number;
  /** Predicted class of each test image. */
  predicted: number[];
  trainMs: number;
  fineTuneMs: number;
  stepMs: number | null;
}

/** Cut-point activations [2n, size] of the images: rows 0…n−1 as seen, n…2n−1 mirrored; one per cut. */
async function cutActivations(session: Session, extract: tf.LayersModel, blobs: Blob[]): Promise<tf.Tensor2D[]> {
  const parts: tf.Tensor2D[][] = [];
  const mirrored: tf.Tensor2D[][] = [];
  for (let start = 0; start < blobs.length; start += 16) {
    const images = await Promise.all(blobs.slice(start, start + 16).map(async (b) => (await decode(b, session.backbone.spec.inputSize)).image));
    const [plain, mirror] = tf.tidy(() => {
      const batch = toBatch(session.backbone, images);
      const flat = (x: tf.Tensor | tf.Tensor[]) => (Array.isArray(x) ? x : [x]).map((t) => t.reshape([t.shape[0], -1]) as tf.Tensor2D);
      return [flat(extract.predict(batch) as tf.Tensor[]), flat(extract.predict(tf.reverse(batch, 2)) as tf.Tensor[])];
    });
    parts.push(plain);
    mirrored.push(mirror);
    await plain[0].data(); // one batch at a time, so memory stays bounded
  }
  const out = parts[0].map((_, c) => tf.concat([...parts.map((p) => p[c]), ...mirrored.map((p) => p[c])]) as tf.Tensor2D);
  tf.dispose([...parts.flat(), ...mirrored.flat()]);
  return out;
}

export async function evalFineTune(session: Session, request: FineTuneEvalRequest): Promise<{ runs: FineTuneEvalRun[]; cutMsPerImage: number; fineTune: FineTuneSettings }> {
  const model = await tf.loadLayersModel(new URL('models/mobilenet_v2_140_layers/model.json', session.baseUrl).href);
  // The cuts asked for (a head-only run embeds through the frozen last block, from cut 1).
  const counts = [...new Set([1, ...request.blocks.filter((b) => b > 0)])].sort();
  const extract = tf.model({ inputs: model.inputs, outputs: counts.map((c) => model.getLayer(cutLayerName(model, c)).getOutputAt(0) as tf.SymbolicTensor) });
  const started = performance.now();
  const trainCuts = await cutActivations(session, extract, request.train);
  const testCuts = await cutActivations(session, extract, request.test);
  const cutMsPerImage = (performance.now() - started) / (2 * (request.train.length + request.test.length));
  const cutOf = (split: tf.Tensor2D[], blocks: number) => split[counts.indexOf(Math.max(blocks, 1))];
  const tuneSettings = { ...DEFAULT_FINE_TUNE_SETTINGS, ...request.fineTune };
  const n = request.train.length;
  const m = request.test.length;
  const rows = Array.from({ length: n }, (_, p) => p);
  const views = rows.map((p) => [n + p]);
  const runs: FineTuneEvalRun[] = [];
  try {
    for (const blocks of request.blocks) {
      for (let seed = 1; seed <= request.seeds; seed++) {
        const runStarted = performance.now();
        const adapted: AdaptedBlocks = copyBlocks(model, Math.max(blocks, 1));
        const head = createHead(1792, request.numClasses, { ...request.head, seed });
        try {
          const features = embedFromCut(adapted, cutOf(trainCuts, blocks));
          const headSettings = { ...request.head, seed, validationFraction: 0 };
          await trainHead({ head, features, rows, labels: request.trainLabels, numClasses: request.numClasses, settings: headSettings, views: request.head.mirrorAugment ? views : undefined });
          features.dispose();
          const trainMs = performance.now() - runStarted;
          let stepMs: number | null = null;
          if (blocks > 0) {
            const tuned = await fineTune({ adapted, head, cut: cutOf(trainCuts, blocks), rows, labels: request.trainLabels, numClasses: request.numClasses, settings: { ...tuneSettings, seed }, views: request.head.mirrorAugment ? views : undefined });
            stepMs = (performance.now() - runStarted - trainMs) / (tuned.epochsRun * Math.ceil(n / tuneSettings.batchSize));
          }
          const test = embedFromCut(adapted, cutOf(testCuts, blocks));
          const probs = tf.tidy(() => {
            const rowsOf = (from: number) => takeRows(test, tf.range(from, from + m, 1, 'int32') as tf.Tensor1D);
            return predictHead(head, rowsOf(0), request.head.testTimeFlip ? rowsOf(m) : undefined).argMax(1);
          });
          const predicted = Array.from(await probs.data());
          tf.dispose([test, probs]);
          runs.push({ blocks, seed, predicted, trainMs, fineTuneMs: performance.now() - runStarted - trainMs, stepMs });
        } finally {
          head.dispose();
          disposeBlocks(adapted);
        }
      }
    }
    return { runs, cutMsPerImage, fineTune: tuneSettings };
  } finally {
    tf.dispose([...trainCuts, ...testCuts]);
    model.dispose();
  }
}
