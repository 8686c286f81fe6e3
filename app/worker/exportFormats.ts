/**
 * "Export model" in the formats people deploy with (issue 18): TFLite float32 and int8, ONNX, and the
 * PyTorch hand-off. Each job builds the network the app predicts with ONCE, from the same inputs as the
 * TF.js export (the layers twin's artifacts, the head, the adapted blocks, the test-time flip, the
 * labels), and hands it to that format's writer (app/ml/net/). The int8 model is calibrated on the
 * project's own training images (and their augmented views), then compared with the app on the images
 * the model was measured on. The page zips each model with its preprocessing statement.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, viewsOf, type AugmentSettings } from '../ml/augment';
import { exportSourceSpec, type BackboneSpec } from '../ml/backbones';
import { adaptedWeights } from '../ml/blocks';
import { argmaxRows } from '../ml/metrics';
import { CALIBRATION_BATCH, calibrationSet, int8ExportBytes, type CalibrationItem } from '../ml/net/calibration';
import { networkFromLayers } from '../ml/net/fromLayers';
import { int8Runner } from '../ml/net/int8Reference';
import { nchwPreprocessing, type Network, type Preprocessing } from '../ml/net/network';
import { writeOnnx } from '../ml/net/onnx';
import { quantizeNetwork, type QuantizedNetwork } from '../ml/net/quantize';
import { writePytorch } from '../ml/net/pytorch';
import { statedPreprocessing, writeTflite } from '../ml/net/tflite/write';
import type { FormatExportRequest, FormatExportResult, FormatProgress, Int8Report } from './protocol';
import { decodeStored, exclusive, hashesById, ready, toBatch, yieldToEvents, type Session } from './session';
import { appProbabilities } from './training';

/** What every export of the trained model is built from (the TF.js zip's and the other formats'). */
export interface TrainedSource {
  spec: BackboneSpec;
  artifacts: tf.io.ModelArtifacts;
  head: tf.LayersModel;
  /** The adapted blocks' weights, replacing the twin's of the same names; undefined for head-only training. */
  weights: tf.NamedTensorMap | undefined;
  testTimeFlip: boolean;
}

export async function trainedSource(s: Session, labels: readonly string[]): Promise<TrainedSource> {
  if (!s.head) throw new Error('Train the model before exporting it.');
  const units = s.head.outputs[0].shape[1];
  if (labels.length !== units) throw new Error(`${labels.length} labels for a model with ${units} classes`);
  const spec = exportSourceSpec(s.backbone.spec);
  const artifacts = await tf.io.http(new URL(`models/${spec.folder}/model.json`, s.baseUrl).href).load!();
  // With test-time flip the app averages each image and its mirror: so does the exported model.
  // Adapted blocks replace the twin's weights of the same layers, so the export predicts as the app does.
  return { spec, artifacts, head: s.head, weights: s.adapted ? adaptedWeights(s.adapted) : undefined, testTimeFlip: s.headTestTimeFlip };
}

/** The most memory an export may take whatever the device: the wasm backend's heap stops at 2 GiB here. */
export const EXPORT_MEMORY_CEILING = 2 ** 31;

const mb = (bytes: number) => `${Math.max(0, Math.round(bytes / 2 ** 20)).toLocaleString('en-US')} MB`;

/** Throws, naming both sizes, when the int8 export would need more memory than is left. */
function checkInt8Memory(net: Network, deviceBudget: number | null): void {
  const needed = int8ExportBytes(net);
  const left = Math.min(deviceBudget ?? Infinity, EXPORT_MEMORY_CEILING) - tf.memory().numBytes;
  if (needed > left) {
    throw new Error(
      `the int8 model was not made: quantising it needs about ${mb(needed)} of memory and about ${mb(left)} is left on this device. ` +
        'Close other tabs or apps and try again, or download the float32 TFLite model, which needs no calibration',
    );
  }
}

/** The decoded training images (or their views) of `items` as network inputs [n, size, size, 3], a batch at a time. */
async function* calibrationBatches(s: Session, net: Network, items: readonly CalibrationItem[], augment: AugmentSettings | null): AsyncGenerator<tf.Tensor4D> {
  const hashes = hashesById(s);
  const { scale, offset } = net.preprocessing;
  for (let start = 0; start < items.length; start += CALIBRATION_BATCH) {
    const chunk = items.slice(start, start + CALIBRATION_BATCH);
    const decoded = new Map((await decodeStored(s, [...new Set(chunk.map((item) => item.id))])).map((d) => [d.id, d.image]));
    const present = chunk.filter((item) => decoded.has(item.id));
    if (present.length === 0) continue;
    yield tf.tidy(() => {
      const rows = present.map((item) => {
        // toBatch gives pixel / 255; augmentBatch draws the same view the head learned from.
        const image = toBatch(s.backbone, [decoded.get(item.id)!]);
        return item.view < 0 || !augment ? image : augmentBatch(image, [[viewsOf(hashes.get(item.id) ?? item.id, augment)[item.view]]]);
      });
      return tf.add(tf.mul(tf.concat(rows), 255 * scale), offset) as tf.Tensor4D;
    });
    await yieldToEvents();
  }
}

/** The int8 model's answers beside the app's on the measured images: top-1 agreement and the largest difference. */
async function compareWithApp(s: Session, q: QuantizedNetwork, ids: readonly string[], onProgress: (done: number) => void): Promise<{ agree: number; total: number; maxDiff: number }> {
  let agree = 0;
  let total = 0;
  let maxDiff = 0;
  const int8 = int8Runner(q);
  try {
    for (let start = 0; start < ids.length; start += CALIBRATION_BATCH) {
      for (const { image } of await decodeStored(s, ids.slice(start, start + CALIBRATION_BATCH))) {
        const app = appProbabilities(s, image);
        // The uint8 input: the decoded pixel (pixel / 255) back to 0–255.
        const pixels = tf.tidy(() => tf.round(tf.mul(toBatch(s.backbone, [image]), 255)) as tf.Tensor4D);
        const answer = int8.run(pixels);
        const [a, b] = [(await app.data()) as Float32Array, (await answer.data()) as Float32Array];
        tf.dispose([app, pixels, answer]);
        agree += argmaxRows(a, a.length)[0] === argmaxRows(b, b.length)[0] ? 1 : 0;
        total++;
        maxDiff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), maxDiff);
      }
      onProgress(Math.min(start + CALIBRATION_BATCH, ids.length));
      await yieldToEvents();
    }
  } finally {
    int8.dispose();
  }
  return { agree, total, maxDiff };
}

/** The training images of the head's classes (those not measured), by class in output order. */
function trainingIdsByClass(s: Session, measured: ReadonlySet<string>, scope: FormatExportRequest['scope']): string[][] {
  const { rows, labels } = s.cache.labelledRows(s.headClassIds);
  const byClass = s.headClassIds.map((): string[] => []);
  rows.forEach((row, i) => {
    const id = s.cache.ids[row];
    // Held-out images stay out of calibration, so the agreement is counted on images it never saw.
    if (scope === 'training' || !measured.has(id)) byClass[labels[i]].push(id);
  });
  return byClass;
}

async function int8Export(s: Session, net: Network, request: FormatExportRequest, progress: (p: FormatProgress) => void): Promise<{ model: Uint8Array; statement: Preprocessing; int8: Int8Report }> {
  checkInt8Memory(net, request.deviceBudgetBytes);
  const augment: AugmentSettings | null = request.views && request.views.views > 0
    ? { views: request.views.views, flip: request.views.kinds.includes('flip'), crop: request.views.kinds.includes('crop'), rotate: request.views.kinds.includes('rotate'), colour: request.views.kinds.includes('colour') }
    : null;
  const measured = new Set(request.measured);
  const items = calibrationSet(trainingIdsByClass(s, measured, request.scope), augment?.views ?? 0);
  if (items.length === 0) throw new Error('the int8 model was not made: there are no training images to calibrate it on');
  progress({ phase: 'calibrating', done: 0, total: items.length });
  const q = await quantizeNetwork(net, calibrationBatches(s, net, items, augment), {
    onProgress: (done) => progress({ phase: 'calibrating', done, total: items.length }),
  });
  progress({ phase: 'writing', done: 0, total: 1 });
  const model = writeTflite(q);
  const floatBytes = writeTflite(net).length;
  const present = new Set(s.cache.ids);
  const ids = request.measured.filter((id) => present.has(id));
  progress({ phase: 'checking', done: 0, total: ids.length });
  const compared = await compareWithApp(s, q, ids, (done) => progress({ phase: 'checking', done, total: ids.length }));
  return { model, statement: statedPreprocessing(q), int8: { floatBytes, calibrationImages: items.length, scope: request.scope, ...compared } };
}

/** One format's export of the trained model: the model file, its preprocessing statement and, for int8, how it compares. */
export function exportFormat(request: FormatExportRequest, onProgress?: (p: FormatProgress) => void): Promise<FormatExportResult> {
  return exclusive(async () => {
    const started = performance.now();
    const s = ready();
    const progress = (p: FormatProgress) => onProgress?.(p);
    progress({ phase: 'building', done: 0, total: 1 });
    const source = await trainedSource(s, request.labels);
    const net = await networkFromLayers(source.artifacts, source.spec.cutPoint, source.head, {
      name: request.modelName,
      labels: request.labels,
      testTimeFlip: source.testTimeFlip,
      weights: source.weights,
    });
    const done = (model: Uint8Array, statement: Preprocessing, int8?: Int8Report): FormatExportResult => ({
      format: request.format, model, statement, ms: performance.now() - started, ...(int8 ? { int8 } : {}),
    });
    switch (request.format) {
      case 'tflite':
        progress({ phase: 'writing', done: 0, total: 1 });
        return done(writeTflite(net), statedPreprocessing(net));
      case 'tflite-int8': {
        const { model, statement, int8 } = await int8Export(s, net, request, progress);
        return done(model, statement, int8);
      }
      case 'onnx':
        progress({ phase: 'writing', done: 0, total: 1 });
        return done(writeOnnx(net, { producerVersion: request.appVersion }), nchwPreprocessing(net));
      case 'pytorch': {
        progress({ phase: 'writing', done: 0, total: 1 });
        const { npz, statement } = writePytorch(net);
        return done(npz, statement);
      }
    }
  });
}
