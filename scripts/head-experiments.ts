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
/** A variant: a recipe (default: 'default') and settings over it. */
type Variant = Partial<HeadSettings> & { recipe?: HeadRecipe; augmentViews?: number };

const matrix = (split: Split, view: 'plain' | 'mirrored' | 'augmented') => {
  const bytes = Buffer.from(split[view] ?? '', 'base64');
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  return tf.tensor2d(values, [values.length / split.dim, split.dim]);
};

async function testAccuracy(dump: Dump, settings: HeadSettings, augmentViews: number): Promise<{ accuracy: number; balancedAccuracy: number }> {
  const [plain, mirrored, testPlain, testMirrored] = [matrix(dump.train, 'plain'), matrix(dump.train, 'mirrored'), matrix(dump.test, 'plain'), matrix(dump.test, 'mirrored')];
  const have = dump.train.views ?? 0;
  if (augmentViews > have) throw new Error(`the dump has ${have} augmented views per image, the variant asks for ${augmentViews}`);
  const all = augmentViews > 0 ? matrix(dump.train, 'augmented') : null;
  try {
    const labels = dump.train.labels;
    const augmented = all ? { matrix: all, rowsOf: (r: number) => Array.from({ length: augmentViews }, (_, k) => r * have + k) } : undefined;
    const fit = await fitHead({ plain, mirrored, augmented, rows: labels.map((_, i) => i), labels, numClasses: dump.classes.length, settings });
    const predicted = tf.tidy(() => predictHead(fit.head, testPlain, fit.testTimeFlip ? testMirrored : undefined).argMax(1));
    const values = Array.from(await predicted.data());
    tf.dispose([predicted]);
    fit.head.dispose();
    return computeMetrics(dump.test.labels, values, dump.classes.length);
  } finally {
    tf.dispose([plain, mirrored, testPlain, testMirrored]);
    all?.dispose();
  }
}

async function main() {
  const [dumpList, variantsArg, seedsArg = '3', backend = 'wasm', wasmDir = ''] = process.argv.slice(2);
  setWasmPaths(wasmDir);
  await tf.setBackend(backend);
  const dumps = dumpList.split(',').map((path) => ({ path, dump: JSON.parse(readFileSync(path, 'utf8')) as Dump }));
  const variants = JSON.parse(variantsArg.trim().startsWith('{') ? variantsArg : readFileSync(variantsArg, 'utf8')) as Record<string, Variant>;
  const seeds = Number(seedsArg);
  const pct = (x: number) => (x * 100).toFixed(1);
  for (const [name, { recipe = 'default', augmentViews = 0, ...patch }] of Object.entries(variants)) {
    const cells: string[] = [];
    for (const { path, dump } of dumps) {
      const runs = [];
      for (let seed = 1; seed <= seeds; seed++) runs.push(await testAccuracy(dump, { ...HEAD_RECIPES[recipe], ...patch, seed }, augmentViews));
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
