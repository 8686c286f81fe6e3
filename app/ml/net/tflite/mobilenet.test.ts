/**
 * The app's real network as .tflite, proven in TFLite's own runtime: MobileNetV2 1.4 (the layers twin) +
 * a head trained by the app's loop on half of the photo fixture (e2e/fixtures/photos: 3 classes × 20 real
 * photos, the bar for int8), with test-time flip, run by LiteRT.js (TFLite's interpreter with
 * XNNPack, in wasm) on the other, held-out half and compared with the app's prediction (graph backbone →
 * head, mirror averaged in).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HEAD_SETTINGS } from '../../settings';
import { loadLiteRtNode } from '../../testing';
import { networkFromLayers } from '../fromLayers';
import type { Network } from '../network';
import { quantizeNetwork } from '../quantize';
import { appPixels, appPredict, FIXTURE_PHOTOS, maxAbsDiff, samplePhotos, subset, topClasses, trainedProject, useWasm, type ImageSet, type TrainedProject } from '../testing';
import { writeTflite } from './write';

let lrt: Awaited<ReturnType<typeof loadLiteRtNode>>;
let project: TrainedProject;
let train: ImageSet;
let net: Network;
/** The app's answers for the held-out photos, [count × classes]. */
let expected: Float32Array;
let floatBytes: Uint8Array;

/** The file's answers for each image of `set`, as LiteRT.js gives them ([count × classes]). */
async function runTflite(bytes: Uint8Array, set: ImageSet, input: 'float32' | 'uint8'): Promise<Float32Array> {
  const model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm' });
  const each = set.size * set.size * 3;
  const out: number[] = [];
  try {
    for (let i = 0; i < set.count; i++) {
      const pixels = set.bytes.slice(i * each, (i + 1) * each);
      const tensor = new lrt.Tensor(input === 'uint8' ? pixels : Float32Array.from(pixels, (p) => p / 255), [1, set.size, set.size, 3]);
      const [answer] = await model.run(tensor);
      out.push(...(answer.toTypedArray() as Float32Array));
      tensor.delete();
      answer.delete();
    }
  } finally {
    model.delete();
  }
  return Float32Array.from(out);
}

beforeAll(async () => {
  await useWasm();
  lrt = await loadLiteRtNode();
  // Half of each class's photos train the head (10 each), the other half are held out.
  const photos = samplePhotos(224, FIXTURE_PHOTOS);
  const perClass = photos.labels.map((_, c) => photos.classes.filter((k) => k === c).length);
  if (photos.labels.length < 3 || Math.min(...perClass) < 20) throw new Error(`the int8 bar needs 3 classes × 20 photos, not ${perClass.join('/')}`);
  const nth = photos.classes.map((c, i) => photos.classes.slice(0, i).filter((k) => k === c).length);
  train = subset(photos, nth.flatMap((n, i) => (n % 2 === 0 ? [i] : [])));
  const test = subset(photos, nth.flatMap((n, i) => (n % 2 === 1 ? [i] : [])));
  // Trained as the app trains by default (50 epochs), not trainedProject's 2: the bar is a trained project's.
  project = await trainedProject({ train, test, epochs: DEFAULT_HEAD_SETTINGS.epochs });
  net = await networkFromLayers(project.artifacts, project.cutPoint, project.head, { name: 'photo fixture', labels: project.labels, testTimeFlip: true });
  const pixels = appPixels(test.bytes, test.count, test.size);
  const answers = appPredict(project, pixels, true);
  expected = (await answers.data()) as Float32Array;
  tf.dispose([pixels, answers]);
}, 300_000);

afterAll(() => project?.dispose());

describe('the app\'s MobileNetV2 1.4 + trained head, test-time flip, as .tflite in LiteRT.js', () => {
  it('float32: the app\'s top class on every held-out photo, probabilities within 1e-3', async () => {
    const started = performance.now();
    floatBytes = writeTflite(net);
    const writeMs = performance.now() - started;
    const answers = await runTflite(floatBytes, project.test, 'float32');
    const classes = project.labels.length;
    const diff = maxAbsDiff(answers, expected);
    console.info(`float32 .tflite: ${floatBytes.length} bytes, written in ${writeMs.toFixed(0)} ms; max |diff| ${diff.toExponential(2)} over ${project.test.count} held-out photos`);
    expect(topClasses(answers, classes)).toEqual(topClasses(expected, classes));
    expect(diff).toBeLessThan(1e-3);
  }, 300_000);

  it('int8 (calibrated on the training photos): top class agrees with the app on ≥ 95% of held-out photos, ≤ 30% of the float file', async () => {
    const before = tf.memory().numTensors;
    const started = performance.now();
    const progress: number[] = [];
    // Batches made lazily, as the app would stream them; quantizeNetwork disposes each once measured.
    function* batches() {
      for (let start = 0; start < train.count; start += 4) {
        const rows = Array.from({ length: Math.min(4, train.count - start) }, (_, i) => start + i);
        yield appPixels(subset(train, rows).bytes, rows.length, train.size);
      }
    }
    const q = await quantizeNetwork(net, batches(), { onProgress: (n) => progress.push(n) });
    const calibrateMs = performance.now() - started;
    expect(tf.memory().numTensors).toBe(before);
    expect(progress.at(-1)).toBe(train.count);
    const writeStarted = performance.now();
    const bytes = writeTflite(q);
    const writeMs = performance.now() - writeStarted;
    const answers = await runTflite(bytes, project.test, 'uint8');
    const classes = project.labels.length;
    const ours = topClasses(answers, classes);
    const app = topClasses(expected, classes);
    const agree = ours.filter((c, i) => c === app[i]).length;
    const p = (values: Float32Array, row: number, c: number) => `${project.labels[c]} ${values[row * classes + c].toFixed(3)}`;
    const differing = ours.flatMap((c, i) => (c === app[i] ? [] : [`${project.test.paths[i]} (app ${p(expected, i, app[i])}, int8 ${p(answers, i, c)})`]));
    const floatSize = floatBytes?.length ?? writeTflite(net).length;
    console.info(
      `int8 .tflite: ${bytes.length} bytes (${((100 * bytes.length) / floatSize).toFixed(1)}% of float32), calibrated on ${train.count} photos in ${calibrateMs.toFixed(0)} ms, written in ${writeMs.toFixed(0)} ms; ` +
        `top class as the app on ${agree} of ${ours.length} held-out photos, max |diff| ${maxAbsDiff(answers, expected).toFixed(4)}` +
        (differing.length ? `; differs on ${differing.join(', ')}` : ''),
    );
    expect(agree / ours.length).toBeGreaterThanOrEqual(0.95);
    expect(bytes.length).toBeLessThanOrEqual(0.3 * floatSize);
  }, 300_000);
});
