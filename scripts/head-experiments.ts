// Head-training experiments on embeddings dumped by `npm run eval -- --data DIR --dump FILE`, in Node, with
// the app's own training flow (app/ml/fit.ts: measure, refit, mirror views, test-time flip). Run through
// scripts/head-experiments.mjs, which bundles this file; see that file for the options.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { fitHead } from '../app/ml/fit';
import { predictHead } from '../app/ml/head';
import { computeMetrics } from '../app/ml/metrics';
import { HEAD_RECIPES, type HeadRecipe, type HeadSettings } from '../app/ml/settings';

interface Split {
  dim: number;
  labels: number[];
  plain: string;
  mirrored: string;
  /** Augmented views per image (train split), image i's at rows i·views… of `augmented`. */
  views?: number;
  augmented?: string;
}
interface Dump {
  classes: string[];
  train: Split;
  test: Split;
}
/**
 * A variant: a recipe (default: 'default') and settings over it; `testViews` K also averages the
 * answers over each test image's first K augmented views (test-time augmentation; the dump must hold
 * them); `ensemble` N averages N heads trained with seeds seed·100 + 0…N−1; `columns` [from, to] keeps
 * only those numbers of each embedding (e.g. one pooling of a `--layers` dump).
 */
type Variant = Partial<HeadSettings> & { recipe?: HeadRecipe; augmentViews?: number; testViews?: number; ensemble?: number; columns?: [number, number] };

let columns: [number, number] | null = null;
const matrix = (split: Split, view: 'plain' | 'mirrored' | 'augmented') => {
  const bytes = Buffer.from(split[view] ?? '', 'base64');
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  const all = tf.tensor2d(values, [values.length / split.dim, split.dim]);
  if (!columns) return all;
  const kept = all.slice([0, columns[0]], [-1, columns[1] - columns[0]]);
  all.dispose();
  return kept;
};

async function testAccuracy(dump: Dump, settings: HeadSettings, augmentViews: number, testViews = 0, ensemble = 1): Promise<{ accuracy: number; balancedAccuracy: number }> {
  const [plain, mirrored, testPlain, testMirrored] = [matrix(dump.train, 'plain'), matrix(dump.train, 'mirrored'), matrix(dump.test, 'plain'), matrix(dump.test, 'mirrored')];
  const have = dump.train.views ?? 0;
  if (augmentViews > have) throw new Error(`the dump has ${have} augmented views per image, the variant asks for ${augmentViews}`);
  const haveTest = dump.test.views ?? 0;
  if (testViews > haveTest) throw new Error(`the dump has ${haveTest} augmented views per test image, the variant asks for ${testViews}`);
  const all = augmentViews > 0 ? matrix(dump.train, 'augmented') : null;
  // Test view j of every image: rows j, j + K, … of the test split's views.
  const testAll = testViews > 0 ? matrix(dump.test, 'augmented') : null;
  const testView = (j: number) => tf.tidy(() => tf.gather(testAll!, tf.range(j, testAll!.shape[0], haveTest, 'int32')) as tf.Tensor2D);
  try {
    const labels = dump.train.labels;
    const augmented = all ? { matrix: all, rowsOf: (r: number) => Array.from({ length: augmentViews }, (_, k) => r * have + k) } : undefined;
    let sum: tf.Tensor2D | null = null;
    for (let e = 0; e < ensemble; e++) {
      const seed = ensemble > 1 ? settings.seed * 100 + e : settings.seed;
      const fit = await fitHead({ plain, mirrored, augmented, rows: labels.map((_, i) => i), labels, numClasses: dump.classes.length, settings: { ...settings, seed } });
      const probs = tf.tidy(() => {
        const seen = predictHead(fit.head, testPlain, fit.testTimeFlip ? testMirrored : undefined);
        // Test-time augmentation: the image (and its mirror) count as one view beside its K others.
        const views = Array.from({ length: testViews }, (_, j) => predictHead(fit.head, testView(j)));
        return views.reduce((a, v) => a.add(v), seen).div(1 + testViews) as tf.Tensor2D;
      });
      fit.head.dispose();
      const next: tf.Tensor2D = sum ? tf.add(sum, probs) : probs;
      if (sum) tf.dispose([sum, probs]);
      sum = next;
    }
    const predicted = sum!.argMax(1);
    const values = Array.from(await predicted.data());
    tf.dispose([predicted, sum!]);
    return computeMetrics(dump.test.labels, values, dump.classes.length);
  } finally {
    tf.dispose([plain, mirrored, testPlain, testMirrored]);
    all?.dispose();
    testAll?.dispose();
  }
}

/** Test accuracy of the nearest training image by cosine similarity (each image as seen): what the embedding itself separates. */
function nearestNeighbour(dump: Dump): number {
  const [train, test] = [matrix(dump.train, 'plain'), matrix(dump.test, 'plain')];
  const nearest = tf.tidy(() => {
    const unit = (x: tf.Tensor2D) => x.div(x.norm('euclidean', 1, true));
    return tf.matMul(unit(test), unit(train), false, true).argMax(1);
  });
  const picked = nearest.dataSync();
  tf.dispose([train, test, nearest]);
  return dump.test.labels.filter((truth, i) => dump.train.labels[picked[i]] === truth).length / dump.test.labels.length;
}

async function main() {
  const [dumpList, variantsArg, seedsArg = '3', backend = 'wasm', wasmDir = ''] = process.argv.slice(2);
  setWasmPaths(wasmDir);
  await tf.setBackend(backend);
  const dumps = dumpList.split(',').map((path) => ({ path, dump: JSON.parse(readFileSync(path, 'utf8')) as Dump }));
  const variants = JSON.parse(variantsArg.trim().startsWith('{') ? variantsArg : readFileSync(variantsArg, 'utf8')) as Record<string, Variant>;
  const seeds = Number(seedsArg);
  const pct = (x: number) => (x * 100).toFixed(1);
  console.log(`nearest training image (cosine) | ${dumps.map(({ path, dump }) => `${path.split('/').pop()}: ${pct(nearestNeighbour(dump))}`).join(' | ')}`);
  for (const [name, { recipe = 'default', augmentViews = 0, testViews = 0, ensemble = 1, columns: picked, ...patch }] of Object.entries(variants)) {
    columns = picked ?? null;
    const cells: string[] = [];
    for (const { path, dump } of dumps) {
      const runs = [];
      for (let seed = 1; seed <= seeds; seed++) runs.push(await testAccuracy(dump, { ...HEAD_RECIPES[recipe], ...patch, seed }, augmentViews, testViews, ensemble));
      const acc = runs.map((r) => r.accuracy);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const half = (Math.max(...acc) - Math.min(...acc)) / 2;
      cells.push(`${path.split('/').pop()}: ${pct(mean(acc))} ± ${pct(half)} (balanced ${pct(mean(runs.map((r) => r.balancedAccuracy)))}) [${acc.map(pct).join(' ')}]`);
    }
    console.log(`${name} | ${cells.join(' | ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(`head-experiments: ${(error as Error).message}`);
  process.exit(2);
});
