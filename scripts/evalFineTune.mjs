// npm run eval -- --data DIR --fine-tune-blocks N[,N…] [--seeds S] [--settings JSON] [--fine-tune-settings JSON]
// Head only against fine-tuning the last N blocks of the default backbone, same images, same seeds:
// the worker decodes each image as the app does, caches its activations at the deepest cut once (as
// seen and mirrored), trains the head with the recipe's settings, then for N ≥ 1 the last N blocks and
// the head together (app/worker/fineTuneEval.ts), and predicts the test images from the adapted blocks.
import { FILES_PREFIX } from './harness.mjs';

/** Block counts to compare: 0 (head only) and each N given ("1" or "1,2,3"). */
export function blockCounts(arg) {
  const counts = String(arg).split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 0 || n > 3)) throw new Error('--fine-tune-blocks takes whole numbers 0–3, comma-separated');
  return [...new Set([0, ...counts])].sort();
}

export async function runFineTuneEval(page, { train, test, recipe, seeds, overrides, fineTune, blocks }) {
  return page.evaluate(
    async ({ train, test, prefix, recipe, seeds, overrides, fineTune, blocks }) => {
      const hs = window.headstart;
      const load = async (path) => {
        const res = await fetch(prefix + path.split('/').map(encodeURIComponent).join('/'));
        if (!res.ok) throw new Error(`could not read ${path}`);
        return res.blob();
      };
      const classes = Object.keys(train);
      const pairs = (byClass) => Object.entries(byClass).flatMap(([c, ps]) => ps.map((p) => [classes.indexOf(c), p]));
      const trainPairs = pairs(train);
      const testPairs = pairs(test);
      const head = { ...hs.recipes[recipe], ...overrides };
      const result = await hs.worker().evalFineTune({
        train: await Promise.all(trainPairs.map(([, p]) => load(p))),
        trainLabels: trainPairs.map(([l]) => l),
        test: await Promise.all(testPairs.map(([, p]) => load(p))),
        numClasses: classes.length,
        blocks,
        seeds,
        head,
        fineTune,
      });
      const truth = testPairs.map(([l]) => l);
      return {
        classes,
        head,
        fineTune: result.fineTune,
        cutMsPerImage: result.cutMsPerImage,
        backend: hs.state().model.info.choice.backend,
        trainImages: trainPairs.length,
        testImages: testPairs.length,
        runs: result.runs.map((r) => ({ ...r, predicted: undefined, metrics: hs.metrics(truth, r.predicted, classes.length) })),
      };
    },
    { train, test, prefix: FILES_PREFIX, recipe, seeds, overrides, fineTune, blocks },
  );
}

/** Per block count: accuracy over the seeds (mean, spread, each), step time; printed or as JSON. */
export function reportFineTune(result, summarise, json) {
  const counts = [...new Set(result.runs.map((r) => r.blocks))];
  const byBlocks = Object.fromEntries(
    counts.map((blocks) => {
      const runs = result.runs.filter((r) => r.blocks === blocks);
      return [
        blocks,
        {
          accuracy: summarise(runs.map((r) => r.metrics.accuracy)),
          balancedAccuracy: summarise(runs.map((r) => r.metrics.balancedAccuracy)),
          stepMs: blocks > 0 ? summarise(runs.map((r) => r.stepMs)) : null,
          fineTuneMs: summarise(runs.map((r) => r.fineTuneMs)),
          perSeed: runs.map((r) => ({ seed: r.seed, accuracy: r.metrics.accuracy, balancedAccuracy: r.metrics.balancedAccuracy, trainMs: r.trainMs, fineTuneMs: r.fineTuneMs, stepMs: r.stepMs })),
        },
      ];
    }),
  );
  const out = { backend: result.backend, classes: result.classes, trainImages: result.trainImages, testImages: result.testImages, cutMsPerImage: result.cutMsPerImage, settings: { head: result.head, fineTune: result.fineTune }, fineTuneBlocks: byBlocks };
  if (json) return console.log(JSON.stringify(out));
  const pct = (x) => (x * 100).toFixed(1);
  for (const [blocks, r] of Object.entries(byBlocks)) {
    const what = blocks === '0' ? 'head only' : `last ${blocks} block(s) fine-tuned`;
    const step = r.stepMs ? `; ${r.stepMs.mean.toFixed(0)} ms/step, ${(r.fineTuneMs.mean / 1000).toFixed(0)} s fine-tuning` : '';
    console.log(`${what}: accuracy ${pct(r.accuracy.mean)}% ± ${pct((r.accuracy.max - r.accuracy.min) / 2)} (balanced ${pct(r.balancedAccuracy.mean)}%) [${r.perSeed.map((s) => pct(s.accuracy)).join(' ')}]${step}`);
  }
  console.log(`backend ${out.backend}; ${out.trainImages} train / ${out.testImages} test images; cut activations ${out.cutMsPerImage.toFixed(0)} ms/image`);
}
