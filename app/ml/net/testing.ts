/**
 * Helpers shared by the network and format writers' unit tests (Node, TF.js wasm backend): a head trained
 * on the real emoji fixtures as the app trains it, the held-out images as bytes, and the app's own
 * prediction path to compare a format with. Not used by the app.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** Real images as a decoder gives them: RGB bytes [count, size, size, 3], with their paths and classes. */
export interface ImageSet {
  bytes: Uint8Array;
  count: number;
  size: number;
  paths: string[];
  /** Each image's class: an index into `labels`. */
  classes: number[];
  labels: string[];
}

export interface TrainedProject {
  /** The layers twin's artifacts, what the export is built from. */
  artifacts: tf.io.ModelArtifacts;
  cutPoint: string;
  /** The graph backbone the app embeds with. */
  ingest: Backbone;
  head: tf.Sequential;
  labels: string[];
  /** The held-out images. */
  test: ImageSet;
  dispose(): void;
}

/** pixel / 255: what the app feeds its backbone for these bytes. Caller disposes. */
export function appPixels(bytes: Uint8Array, count: number, size: number): tf.Tensor4D {
  return tf.tidy(() => tf.tensor4d(Float32Array.from(bytes), [count, size, size, 3]).div(255));
}

/** The images at `rows` of a set. */
export function subset(set: ImageSet, rows: readonly number[]): ImageSet {
  const each = set.size * set.size * 3;
  const bytes = new Uint8Array(rows.length * each);
  rows.forEach((r, i) => bytes.set(set.bytes.subarray(r * each, (r + 1) * each), i * each));
  return { ...set, bytes, count: rows.length, paths: rows.map((r) => set.paths[r]), classes: rows.map((r) => set.classes[r]) };
}

/** The emoji fixtures (e2e/fixtures/emoji/{train,test}/<class>/*.png, on white, resized), split by their folder. */
export function emojiFixtures(size = 224): { train: ImageSet; test: ImageSet } {
  const all = fixturePixels(size);
  const bytesTensor = tf.tidy(() => all.pixels.mul(255).round().clipByValue(0, 255).toInt());
  const bytes = Uint8Array.from(bytesTensor.dataSync());
  tf.dispose([bytesTensor, all.pixels]);
  const emoji = all.paths.filter((p) => p.startsWith('emoji/'));
  const labels = [...new Set(emoji.map((p) => p.split('/')[2]))].sort();
  const set: ImageSet = { bytes, count: all.paths.length, size, paths: all.paths, classes: all.paths.map((p) => labels.indexOf(p.split('/')[2])), labels };
  const rows = (split: string) => all.paths.flatMap((p, i) => (p.startsWith(`emoji/${split}/`) ? [i] : []));
  return { train: subset(set, rows('train')), test: subset(set, rows('test')) };
}

/** The sample dataset: public/samples/tuxpaint-photos/<class>/*.jpg, 3 classes × 12. */
export const SAMPLE_PHOTOS = join(ROOT, 'public', 'samples', 'tuxpaint-photos');
/** The larger photo fixture, a superset of the sample dataset: e2e/fixtures/photos/<class>/*.jpg, 3 classes × 20. */
export const FIXTURE_PHOTOS = join(ROOT, 'e2e', 'fixtures', 'photos');

/**
 * Photos listed by a folder's manifest.json (as scripts/make-sample-dataset.mjs writes it: classes and
 * <class>/<name>.jpg files; by default the sample dataset), decoded by PIL (the app's decoder is the
 * browser's; Node has no JPEG decoder), the centred square at size × size, in the manifest's order.
 * Needs Pillow in HEADSTART_PYTHON (default /usr/bin/python3).
 */
export function samplePhotos(size = 224, folder = SAMPLE_PHOTOS): ImageSet {
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { classes: string[]; files: { class: string; file: string }[] };
  const paths = manifest.files.map((f) => f.file);
  const python = process.env.HEADSTART_PYTHON ?? '/usr/bin/python3';
  const script = [
    'import sys',
    'from PIL import Image',
    'size = int(sys.argv[1])',
    'out = bytearray()',
    'for p in sys.argv[2:]:',
    '    im = Image.open(p)',
    "    im = im.convert('RGBA')",
    "    bg = Image.new('RGBA', im.size, (255, 255, 255, 255))",
    "    im = Image.alpha_composite(bg, im).convert('RGB')",
    '    s = min(im.size); x = (im.size[0] - s) // 2; y = (im.size[1] - s) // 2',
    '    im = im.crop((x, y, x + s, y + s))',
    '    if s != size: im = im.resize((size, size), Image.BILINEAR)',
    '    out += im.tobytes()',
    'sys.stdout.buffer.write(bytes(out))',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, String(size), ...paths.map((p) => join(folder, p))], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`decoding the photos of ${folder} with ${python} failed (apt-get install python3-pil, or set HEADSTART_PYTHON): ${r.error?.message ?? r.stderr.toString()}`);
  const bytes = new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
  if (bytes.length !== paths.length * size * size * 3) throw new Error(`${bytes.length} bytes decoded for ${paths.length} photos at ${size} px`);
  return { bytes: bytes.slice(), count: paths.length, size, paths, classes: manifest.files.map((f) => manifest.classes.indexOf(f.class)), labels: manifest.classes };
}

/**
 * A head trained by the app's own loop on the `train` images embedded by the app's graph backbone (as
 * seen and mirrored), for a few epochs (confident but not saturated, so a small difference in
 * probabilities shows). By default the emoji fixtures' train/test split.
 */
export async function trainedProject(options: { train?: ImageSet; test?: ImageSet; epochs?: number; seed?: number } = {}): Promise<TrainedProject> {
  const graph = BACKBONES.mobilenet_v2_140;
  const twin = BACKBONES.mobilenet_v2_140_layers;
  const { train, test } = options.train && options.test ? { train: options.train, test: options.test } : emojiFixtures(graph.inputSize);
  if (train.size !== graph.inputSize || test.size !== graph.inputSize) throw new Error(`images of ${train.size}/${test.size} px for a ${graph.inputSize} px backbone`);
  const ingest = await loadBackbone(graph, diskModel(join(MODELS_DIR, graph.folder)));
  const features = tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (const mirror of [false, true]) {
      for (let start = 0; start < train.count; start += 16) {
        const rows = Array.from({ length: Math.min(16, train.count - start) }, (_, i) => start + i);
        const batch = appPixels(subset(train, rows).bytes, rows.length, train.size);
        parts.push(ingest.embed(mirror ? (tf.reverse(batch, 2) as tf.Tensor4D) : batch));
      }
    }
    return tf.concat(parts) as tf.Tensor2D;
  });
  const settings = { ...DEFAULT_HEAD_SETTINGS, epochs: options.epochs ?? 2, validationFraction: 0, seed: options.seed ?? 4 };
  const head = createHead(graph.featureDim, train.labels.length, settings);
  const n = train.count;
  await trainHead({
    head,
    features,
    rows: train.classes.map((_, i) => i),
    labels: train.classes,
    numClasses: train.labels.length,
    settings,
    views: train.classes.map((_, i) => [i + n]),
  });
  features.dispose();
  return {
    artifacts: await diskModel(join(MODELS_DIR, twin.folder)).load!(),
    cutPoint: twin.cutPoint,
    ingest,
    head,
    labels: train.labels,
    test,
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
  // Seeds from 1: TF.js takes a seed of 0 as none (rand_util.js: `seed ? seed : Math.random()`), which made the
  // first variable's nudge, and so the exported model, differ from run to run.
  adapted.variables.forEach((v, i) => tf.tidy(() => v.assign(v.add(tf.randomNormal(v.shape, 0, size, 'float32', i + 1)))));
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
