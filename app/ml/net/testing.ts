/**
 * Helpers shared by the network and format writers' unit tests (Node, TF.js wasm backend): a head trained
 * on the real emoji fixtures as the app trains it, the held-out images as bytes, and the app's own
 * prediction path to compare a format with. Not used by the app.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { loadBackbone, type Backbone } from '../backbone';
import { BACKBONES } from '../backbones';
import { blocksForward, copyBlocks, cutExtractor, type AdaptedBlocks } from '../blocks';
import { createHead, predictHead, trainHead } from '../head';
import { DEFAULT_HEAD_SETTINGS } from '../settings';
import { diskModel, fixturePixels } from '../testing';

export const ROOT = join(__dirname, '..', '..', '..');
export const MODELS_DIR = join(ROOT, 'public', 'models');

/** wasm, the backend the app exports from without a GPU (several times faster here than 'cpu'). */
export async function useWasm(): Promise<void> {
  setWasmPaths(join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
}

export interface TrainedProject {
  /** The layers twin's artifacts, what the export is built from. */
  artifacts: tf.io.ModelArtifacts;
  cutPoint: string;
  /** The graph backbone the app embeds with. */
  ingest: Backbone;
  head: tf.Sequential;
  labels: string[];
  /** The held-out images: RGB bytes [n, size, size, 3] (as a decoder gives them), their paths and classes. */
  test: { bytes: Uint8Array; count: number; size: number; paths: string[]; classes: number[] };
  dispose(): void;
}

/** pixel / 255: what the app feeds its backbone for these bytes. Caller disposes. */
export function appPixels(bytes: Uint8Array, count: number, size: number): tf.Tensor4D {
  return tf.tidy(() => tf.tensor4d(Float32Array.from(bytes), [count, size, size, 3]).div(255));
}

/**
 * The emoji fixtures' training images embedded by the app's graph backbone (as seen and mirrored), and a
 * head trained on them by the app's own loop for a few epochs (confident but not saturated, so a small
 * difference in probabilities shows).
 */
export async function trainedProject(epochs = 2): Promise<TrainedProject> {
  const graph = BACKBONES.mobilenet_v2_140;
  const twin = BACKBONES.mobilenet_v2_140_layers;
  const ingest = await loadBackbone(graph, diskModel(join(MODELS_DIR, graph.folder)));
  const all = fixturePixels(graph.inputSize);
  const labels = [...new Set(all.paths.map((p) => p.split('/')[2]))].sort();
  const classOf = (p: string) => labels.indexOf(p.split('/')[2]);
  const pick = (split: string) => all.paths.flatMap((p, i) => (p.split('/')[1] === split ? [i] : []));
  const trainRows = pick('train');
  const testRows = pick('test');
  const bytesTensor = tf.tidy(() => all.pixels.gather(testRows).mul(255).round().clipByValue(0, 255).toInt());
  const bytes = Uint8Array.from(await bytesTensor.data());
  const features = tf.tidy(() => {
    const train = all.pixels.gather(trainRows) as tf.Tensor4D;
    return tf.concat([ingest.embed(train), ingest.embed(tf.reverse(train, 2) as tf.Tensor4D)]) as tf.Tensor2D;
  });
  tf.dispose([bytesTensor, all.pixels]);
  const settings = { ...DEFAULT_HEAD_SETTINGS, epochs, validationFraction: 0, seed: 4 };
  const head = createHead(graph.featureDim, labels.length, settings);
  const n = trainRows.length;
  await trainHead({
    head,
    features,
    rows: trainRows.map((_, i) => i),
    labels: trainRows.map((r) => classOf(all.paths[r])),
    numClasses: labels.length,
    settings,
    views: trainRows.map((_, i) => [i + n]),
  });
  features.dispose();
  return {
    artifacts: await diskModel(join(MODELS_DIR, twin.folder)).load!(),
    cutPoint: twin.cutPoint,
    ingest,
    head,
    labels,
    test: { bytes, count: testRows.length, size: graph.inputSize, paths: testRows.map((r) => all.paths[r]), classes: testRows.map((r) => classOf(all.paths[r])) },
    dispose: () => {
      ingest.dispose();
      head.dispose();
    },
  };
}

/** The app's prediction (worker/training.ts predict): graph embedding → head, with the mirror's averaged in. */
export function appPredict(project: TrainedProject, pixels: tf.Tensor4D, testTimeFlip: boolean): tf.Tensor2D {
  return tf.tidy(() =>
    predictHead(project.head, project.ingest.embed(pixels), testTimeFlip ? project.ingest.embed(tf.reverse(pixels, 2) as tf.Tensor4D) : undefined),
  );
}

/** Adapted blocks as fine-tuning leaves them: copies of the twin's last `count` blocks, moved by a seeded nudge. */
export function nudgedBlocks(twin: tf.LayersModel, count: number, size = 0.02): AdaptedBlocks {
  const adapted = copyBlocks(twin, count);
  adapted.variables.forEach((v, i) => tf.tidy(() => v.assign(v.add(tf.randomNormal(v.shape, 0, size, 'float32', i)))));
  return adapted;
}

/** The app's prediction with adapted blocks (worker/fineTuning.ts predictAdapted): the twin to the cut → the blocks → the head. */
export function appPredictAdapted(head: tf.LayersModel, twin: tf.LayersModel, adapted: AdaptedBlocks, pixels: tf.Tensor4D, testTimeFlip: boolean): tf.Tensor2D {
  const extract = cutExtractor(twin, adapted.cutLayer);
  return tf.tidy(() =>
    predictHead(head, blocksForward(adapted, extract(pixels)), testTimeFlip ? blocksForward(adapted, extract(tf.reverse(pixels, 2) as tf.Tensor4D)) : undefined),
  );
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`${a.length} values against ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The index of the largest value of each row of a [rows, columns] matrix. */
export function topClasses(values: ArrayLike<number>, columns: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length / columns; r++) {
    let best = 0;
    for (let c = 1; c < columns; c++) if (values[r * columns + c] > values[r * columns + best]) best = c;
    out.push(best);
  }
  return out;
}
