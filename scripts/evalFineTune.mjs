// npm run eval -- --data DIR --fine-tune-blocks N[,N…] [--seeds S] [--settings JSON] [--fine-tune-settings JSON]
// Head only against fine-tuning the last N blocks of the default backbone, same images, same seeds:
// the worker decodes each image as the app decodes it, caches its activations at each cut once (as
// seen and mirrored); per seed it holds 15% of the training images out, trains the head on the rest
// with the recipe's settings, then for each N ≥ 1 the last N blocks and a copy of that head together,
// early-stopped on the held-out images, and "auto" keeps whichever answers more held-out images right
// (app/worker/fineTuneEval.ts). Test accuracy of head only, each N and auto with each N; minutes per run.
import { FILES_PREFIX } from './harness.mjs';

/** app/ml/blocks.ts MAX_ADAPT_BLOCKS (the worker refuses more). */
const MAX_BLOCKS = 10;

/** Block counts to compare: 0 (head only) and each N given ("1" or "1,2,3"). */
export function blockCounts(arg) {
  const counts = String(arg).split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 0 || n > MAX_BLOCKS)) throw new Error(`--fine-tune-blocks takes whole numbers 0–${MAX_BLOCKS}, comma-separated`);
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
        heldOut: result.heldOut,
        runs: result.runs.map((r) => ({
          ...r,
          predicted: undefined,
          metrics: hs.metrics(truth, r.predicted, classes.length),
          auto: r.auto ? { kept: r.auto.kept, metrics: hs.metrics(truth, r.auto.predicted, classes.length) } : null,
        })),
      };
    },
    { train, test, prefix: FILES_PREFIX, recipe, seeds, overrides, fineTune, blocks },
  );
}

/** Per block count (and auto with it): test accuracy over the seeds (mean, spread, each), minutes, epochs; printed or as JSON. */
export function reportFineTune(result, summarise, json) {
  const counts = [...new Set(result.runs.map((r) => r.blocks))];
  const minutes = (r) => (r.trainMs + r.fineTuneMs) / 60000;
  const byBlocks = Object.fromEntries(
    counts.map((blocks) => {
      const runs = result.runs.filter((r) => r.blocks === blocks);
      return [
        blocks,
        {
          accuracy: summarise(runs.map((r) => r.metrics.accuracy)),
          balancedAccuracy: summarise(runs.map((r) => r.metrics.balancedAccuracy)),
          auto: blocks > 0 ? { accuracy: summarise(runs.map((r) => r.auto.metrics.accuracy)), keptAdapted: runs.filter((r) => r.auto.kept === 'adapted').length } : null,
          stepMs: blocks > 0 ? summarise(runs.map((r) => r.stepMs)) : null,
          minutes: summarise(runs.map(minutes)),
          perSeed: runs.map((r) => ({
            seed: r.seed,
            accuracy: r.metrics.accuracy,
            balancedAccuracy: r.metrics.balancedAccuracy,
            auto: r.auto ? { kept: r.auto.kept, accuracy: r.auto.metrics.accuracy } : null,
            heldOut: r.heldOut,
            epochsRun: r.epochsRun,
            bestEpoch: r.bestEpoch,
            validationAccuracy: r.validationAccuracy,
            trainMs: r.trainMs,
            fineTuneMs: r.fineTuneMs,
            stepMs: r.stepMs,
          })),
        },
      ];
    }),
  );
  const out = {
    backend: result.backend,
    classes: result.classes,
    trainImages: result.trainImages,
    heldOut: result.heldOut,
    testImages: result.testImages,
    cutMsPerImage: result.cutMsPerImage,
    settings: { head: result.head, fineTune: result.fineTune },
    fineTuneBlocks: byBlocks,
  };
  if (json) return console.log(JSON.stringify(out));
  const pct = (x) => (x * 100).toFixed(1);
  const line = (a, each) => `${pct(a.mean)}% ± ${pct((a.max - a.min) / 2)} [${each.map(pct).join(' ')}]`;
  for (const [blocks, r] of Object.entries(byBlocks)) {
    const what = blocks === '0' ? 'head only' : `last ${blocks} block(s) fine-tuned`;
    const epochs = blocks === '0' ? '' : `; best epoch ${r.perSeed.map((s) => `${s.bestEpoch}/${s.epochsRun}`).join(' ')}, ${r.stepMs.mean.toFixed(0)} ms/step`;
    console.log(`${what}: accuracy ${line(r.accuracy, r.perSeed.map((s) => s.accuracy))} (balanced ${pct(r.balancedAccuracy.mean)}%); ${r.minutes.mean.toFixed(1)} min a run${epochs}`);
    if (r.auto) console.log(`  auto (head or ${blocks} block(s), by held-out images): ${line(r.auto.accuracy, r.perSeed.map((s) => s.auto.accuracy))}; kept adapted ${r.auto.keptAdapted}/${r.perSeed.length}`);
  }
  console.log(`backend ${out.backend}; ${out.trainImages} train (${pct(out.heldOut)}% held out per seed) / ${out.testImages} test images; cut activations ${out.cutMsPerImage.toFixed(0)} ms/image`);
}
