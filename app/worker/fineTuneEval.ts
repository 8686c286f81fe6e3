/**
 * `npm run eval -- --fine-tune-blocks N[,N…]`: head only against fine-tuning the last N blocks, on the
 * same images, decoded as the app decodes them. Each image (and its mirror) goes through the frozen
 * layers backbone once, to every cut asked for; every run starts from those cached activations. For each
 * seed, 15% of each class of the training images is held out (seeded, stratified, as the app's
 * validationFraction); the head is trained on the rest (the app's head loop and recipe, on the embeddings
 * the frozen blocks give); then, for each N ≥ 1, a copy of that head and the last N blocks learn together
 * (fineTune) with the held-out images as `validation` (early stopping, best epoch kept), and "auto"
 * (chooseAdaptation) keeps the adapted blocks only if they answer strictly more held-out images right.
 * Test images are predicted with the test-time flip when the head settings ask for it.
 * No final fit on all the training images: every figure is from the models trained on the 85%.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseAdaptation, countCorrect } from '../ml/adaptChoice';
import { copyBlocks, cutLayerName, disposeBlocks, embedFromCut, type AdaptedBlocks } from '../ml/blocks';
import { DEFAULT_FINE_TUNE_SETTINGS, fineTune, type FineTuneSettings } from '../ml/fineTune';
import { createHead, predictHead, trainHead } from '../ml/head';
import { takeRows } from '../ml/headStep';
import { seededRandom, stratifiedSplit } from '../ml/random';
import type { HeadSettings } from '../ml/settings';
import { decode, toBatch, type Session } from './session';

/** Held out of the training images per seed, as the app's default validationFraction. */
const HELD_OUT = 0.15;

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
  /** Head training (shared by every N of the seed). */
  trainMs: number;
  /** Fine-tuning N blocks (0 for head only), held-out checks included. */
  fineTuneMs: number;
  stepMs: number | null;
  epochsRun: number | null;
  bestEpoch: number | null;
  validationAccuracy: number[];
  /** Held-out images right: head only and adapted (N ≥ 1), what auto compares. */
  heldOut: { total: number; headCorrect: number; adaptedCorrect: number | null };
  /** N ≥ 1: what auto kept, and its test predictions. */
  auto: { kept: 'adapted' | 'head'; predicted: number[] } | null;
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

export async function evalFineTune(session: Session, request: FineTuneEvalRequest): Promise<{ runs: FineTuneEvalRun[]; cutMsPerImage: number; fineTune: FineTuneSettings; heldOut: number }> {
  const model = await tf.loadLayersModel(new URL('models/mobilenet_v2_140_layers/model.json', session.baseUrl).href);
  // The cuts asked for (head only embeds through the frozen last block, from cut 1).
  const counts = [...new Set([1, ...request.blocks.filter((b) => b > 0)])].sort((a, b) => a - b);
  const extract = tf.model({ inputs: model.inputs, outputs: counts.map((c) => model.getLayer(cutLayerName(model, c)).getOutputAt(0) as tf.SymbolicTensor) });
  const started = performance.now();
  const trainCuts = await cutActivations(session, extract, request.train);
  const testCuts = await cutActivations(session, extract, request.test);
  const cutMsPerImage = (performance.now() - started) / (2 * (request.train.length + request.test.length));
  const cutOf = (split: tf.Tensor2D[], blocks: number) => split[counts.indexOf(Math.max(blocks, 1))];
  const tuneSettings = { ...DEFAULT_FINE_TUNE_SETTINGS, ...request.fineTune };
  const n = request.train.length;
  const m = request.test.length;
  const labels = request.trainLabels;
  const flip = request.head.testTimeFlip;
  const mirror = request.head.mirrorAugment;
  // The frozen network's embeddings (every seed's head learns from them): rows 0…n−1, mirrors n…2n−1.
  const frozen = copyBlocks(model, 1);
  const trainEmbedding = embedFromCut(frozen, cutOf(trainCuts, 1));
  const testEmbedding = embedFromCut(frozen, cutOf(testCuts, 1));
  disposeBlocks(frozen);
  /** Predicted classes of `positions` (row p, mirror at p + size) of an embedding, with the flip when asked. */
  const predict = async (head: tf.LayersModel, embedding: tf.Tensor2D, positions: readonly number[], size: number) => {
    const out = tf.tidy(() => {
      const take = (offset: number) => takeRows(embedding, tf.tensor1d(positions.map((p) => p + offset), 'int32'));
      return predictHead(head, take(0), flip ? take(size) : undefined).argMax(1);
    });
    const predicted = Array.from(await out.data());
    out.dispose();
    return predicted;
  };
  const testPositions = Array.from({ length: m }, (_, p) => p);
  const runs: FineTuneEvalRun[] = [];
  try {
    for (let seed = 1; seed <= request.seeds; seed++) {
      const split = stratifiedSplit(labels, HELD_OUT, seededRandom(seed));
      const trainLabels = split.train.map((p) => labels[p]);
      const heldLabels = split.validation.map((p) => labels[p]);
      const views = mirror ? split.train.map((p) => [n + p]) : undefined;
      const headStarted = performance.now();
      const head = createHead(1792, request.numClasses, { ...request.head, seed });
      await trainHead({ head, features: trainEmbedding, rows: split.train, labels: trainLabels, numClasses: request.numClasses, settings: { ...request.head, seed, validationFraction: 0 }, views });
      const trainMs = performance.now() - headStarted;
      const headTest = await predict(head, testEmbedding, testPositions, m);
      const headCorrect = countCorrect(await predict(head, trainEmbedding, split.validation, n), heldLabels);
      const heldOutHead = { total: split.validation.length, headCorrect, adaptedCorrect: null };
      const headWeights = head.getWeights().map((w) => w.clone());
      try {
        for (const blocks of request.blocks) {
          if (blocks === 0) {
            runs.push({ blocks, seed, predicted: headTest, trainMs, fineTuneMs: 0, stepMs: null, epochsRun: null, bestEpoch: null, validationAccuracy: [], heldOut: heldOutHead, auto: null });
            continue;
          }
          const tuneStarted = performance.now();
          const adapted: AdaptedBlocks = copyBlocks(model, blocks);
          const tuned = createHead(1792, request.numClasses, { ...request.head, seed });
          tuned.setWeights(headWeights);
          try {
            const cut = cutOf(trainCuts, blocks);
            const outcome = await fineTune({ adapted, head: tuned, cut, rows: split.train, labels: trainLabels, numClasses: request.numClasses, settings: { ...tuneSettings, seed }, views, validation: { rows: split.validation, labels: heldLabels } });
            const fineTuneMs = performance.now() - tuneStarted;
            const heldRows = [...split.validation, ...split.validation.map((p) => n + p)];
            const heldEmbedding = embedFromCut(adapted, takeRows(cut, tf.tensor1d(heldRows, 'int32')));
            const adaptedCorrect = countCorrect(await predict(tuned, heldEmbedding, split.validation.map((_, i) => i), split.validation.length), heldLabels);
            heldEmbedding.dispose();
            const test = embedFromCut(adapted, cutOf(testCuts, blocks));
            const predicted = await predict(tuned, test, testPositions, m);
            test.dispose();
            const choice = chooseAdaptation({ blocks, total: split.validation.length, headCorrect, adaptedCorrect });
            runs.push({
              blocks,
              seed,
              predicted,
              trainMs,
              fineTuneMs,
              stepMs: fineTuneMs / (outcome.epochsRun * Math.ceil(split.train.length / tuneSettings.batchSize)),
              epochsRun: outcome.epochsRun,
              bestEpoch: outcome.bestEpoch,
              validationAccuracy: outcome.validationAccuracy,
              heldOut: { total: split.validation.length, headCorrect, adaptedCorrect },
              auto: { kept: choice.kept, predicted: choice.kept === 'adapted' ? predicted : headTest },
            });
          } finally {
            tuned.dispose();
            disposeBlocks(adapted);
          }
        }
      } finally {
        tf.dispose(headWeights);
        head.dispose();
      }
    }
    return { runs, cutMsPerImage, fineTune: tuneSettings, heldOut: HELD_OUT };
  } finally {
    tf.dispose([...trainCuts, ...testCuts, trainEmbedding, testEmbedding]);
    model.dispose();
  }
}
