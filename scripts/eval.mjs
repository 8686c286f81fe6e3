#!/usr/bin/env node
// npm run eval -- --data DIR [--recipe default|tm|default,tm] [--seeds N] [--backend B] [--json] [--settings JSON] [--backbone ID]
//   [--augment K [--augment-kinds flip,crop,rotate,colour]] [--dump FILE]
//   [--fine-tune-blocks N[,N…] [--fine-tune-settings JSON]]: head only vs the last N blocks fine-tuned (evalFineTune.mjs)
//   [--label-check [--noise F] [--synthetic N[,N…]]]: Check labels on DIR/train, measured with a share F of labels flipped (evalLabelCheck.mjs)
// Trains the production app's own worker pipeline, in headless Chromium, on DIR/train/<class>/*
// with the settings of each recipe (`default`: the app's defaults; `tm`: Teachable Machine's recipe on
// the same embeddings; both from app/ml/settings.ts), once per seed 1..N, predicts DIR/test/<class>/*
// and prints the metrics: per seed, and their mean and spread. The images are embedded once.
// --settings is applied over every recipe, and so is --augment K: the app's setting "augmented views per
// image" (K views of each training image, app/ml/augment.ts and app/worker/augmentedViews.ts), with
// --augment-kinds the kinds of change (all four by default). --dump also writes every image's embedding (as seen and
// mirrored) to FILE for offline analysis (scripts/head-experiments.ts); with it, what the dump holds can
// be changed for studies of issue 12 (with --augment, the dump also holds K augmented views of each
// training image, seeded by its file name), --margin M frames every image with a
// margin of M × its side, --layers a,b puts the average-pooled activations of those layers of the
// layers twin before the embedding ("name:max" pools by the maximum, "name:gem" by the cube root of the
// mean cube); the test images' augmented views are dumped too (for test-time averaging studies).
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { blockCounts, reportFineTune, runFineTuneEval } from './evalFineTune.mjs';
import { reportLabelCheck, runLabelCheckEval } from './evalLabelCheck.mjs';
import { FILES_PREFIX, parseArgs, withApp } from './harness.mjs';

const IMAGE = /\.(png|jpe?g|webp)$/i;
const USAGE =
  'usage: npm run eval -- --data DIR [--recipe default|tm|default,tm] [--seeds N] [--backend auto|webgpu|webgl|wasm|cpu] [--json] [--settings JSON] [--backbone ID] [--augment K [--augment-kinds LIST]] [--dump FILE [--margin M] [--layers A,B]] [--fine-tune-blocks N[,N…] [--fine-tune-settings JSON]] [--label-check [--noise F] [--synthetic N[,N…]]]';
// Options that change only what --dump writes: the app does not train with them (measured, they did
// not help: docs/studies.md, "Augmented views, framing and earlier layers").
const DUMP_ONLY = ['margin', 'layers'];
const AUGMENT_KINDS = ['flip', 'crop', 'rotate', 'colour'];

/** Reads DIR/{train,test}/<class>/<image>; throws a message that says what is wrong with the folder. */
export function readSplitFolder(dir) {
  const isDir = (p) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  if (!isDir(dir)) throw new Error(`${dir} is not a folder`);
  const split = (name) => {
    const root = join(dir, name);
    if (!isDir(root)) throw new Error(`${dir} has no "${name}/" folder (expected ${name}/<class>/<image files>)`);
    const classes = readdirSync(root).filter((c) => isDir(join(root, c))).sort();
    if (classes.length === 0) throw new Error(`${root} has no class folders`);
    return Object.fromEntries(
      classes.map((c) => {
        const files = readdirSync(join(root, c)).filter((f) => IMAGE.test(f)).sort();
        if (files.length === 0) throw new Error(`${join(root, c)} has no .png, .jpg or .webp images`);
        return [c, files.map((f) => `${name}/${c}/${f}`)];
      }),
    );
  };
  const train = split('train');
  const test = split('test');
  const unknown = Object.keys(test).filter((c) => !(c in train));
  if (unknown.length) throw new Error(`test classes missing from train/: ${unknown.join(', ')}`);
  if (Object.keys(train).length < 2) throw new Error('train/ needs at least two class folders');
  return { train, test };
}

/** Mean and spread of a list of numbers (spread: half the max − min range, and the sample standard deviation). */
export function summarise(values) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, min: Math.min(...values), max: Math.max(...values), std };
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['json', 'no-build', 'label-check']);
  if (!args.data) throw new Error(USAGE);
  for (const flag of DUMP_ONLY) if (args[flag] !== undefined && !args.dump) throw new Error(`--${flag} changes only what --dump writes: give --dump FILE`);
  if (args['augment-kinds'] !== undefined && args.augment === undefined) throw new Error('--augment-kinds needs --augment K');
  const kinds = (args['augment-kinds'] ?? AUGMENT_KINDS.join(',')).split(',').filter(Boolean);
  const unknownKinds = kinds.filter((k) => !AUGMENT_KINDS.includes(k));
  if (unknownKinds.length) throw new Error(`unknown --augment-kinds ${unknownKinds.join(', ')} (known: ${AUGMENT_KINDS.join(', ')})`);
  const views = Number(args.augment ?? 0);
  if (!Number.isInteger(views) || views < 0 || views > 16) throw new Error('--augment needs a whole number of views from 0 to 16');
  const augment = views > 0 ? { views, ...Object.fromEntries(AUGMENT_KINDS.map((k) => [k, kinds.includes(k)])) } : null;
  // The app's own settings, so training goes through its flow and the JSON's settings name them.
  const augmentSettings =
    args.augment === undefined
      ? {}
      : { augmentViews: views, augmentFlip: kinds.includes('flip'), augmentCrop: kinds.includes('crop'), augmentRotate: kinds.includes('rotate'), augmentColour: kinds.includes('colour') };
  const data = resolve(args.data);
  const { train, test } = readSplitFolder(data);
  const recipes = (args.recipe ?? 'default').split(',');
  const seeds = Number(args.seeds ?? 1);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error('--seeds needs a whole number ≥ 1');
  const overrides = { ...(args.settings ? JSON.parse(args.settings) : {}), ...augmentSettings };
  const log = args.json ? () => {} : (m) => console.error(m);
  if ((args.noise !== undefined || args.synthetic !== undefined) && !args['label-check']) throw new Error('--noise and --synthetic go with --label-check');
  if (args['label-check']) {
    const noise = Number(args.noise ?? 0);
    if (!(noise >= 0 && noise < 1)) throw new Error('--noise needs a share of the labels from 0 to 1, e.g. 0.1');
    const synthetic = args.synthetic ? String(args.synthetic).split(',').map(Number) : [];
    if (synthetic.some((n) => !Number.isInteger(n) || n < 10)) throw new Error('--synthetic takes whole numbers of images (at least 10), comma-separated');
    const result = await withApp({ backend: args.backend ?? 'auto', backbone: args.backbone, filesRoot: data, skipBuild: args['no-build'], log }, (page) =>
      runLabelCheckEval(page, { train, test, overrides, noise, seeds, synthetic }),
    );
    return reportLabelCheck(result, summarise, args.json);
  }
  if (args['fine-tune-blocks'] !== undefined) {
    const blocks = blockCounts(args['fine-tune-blocks']);
    const fineTune = args['fine-tune-settings'] ? JSON.parse(args['fine-tune-settings']) : {};
    const result = await withApp({ backend: args.backend ?? 'auto', filesRoot: data, skipBuild: args['no-build'], log }, (page) =>
      runFineTuneEval(page, { train, test, recipe: recipes[0], seeds, overrides, fineTune, blocks }),
    );
    return reportFineTune(result, summarise, args.json);
  }
  const result = await withApp({ backend: args.backend ?? 'auto', backbone: args.backbone, filesRoot: data, skipBuild: args['no-build'], log }, (page) =>
    page.evaluate(
      async ({ train, test, prefix, recipes, seeds, overrides, dump, augment, margin, layers }) => {
        const hs = window.headstart;
        const unknown = recipes.filter((r) => !(r in hs.recipes));
        if (unknown.length) throw new Error(`unknown recipe ${unknown.join(', ')} (known: ${Object.keys(hs.recipes).join(', ')})`);
        const load = async (path) => {
          const res = await fetch(prefix + path.split('/').map(encodeURIComponent).join('/'));
          if (!res.ok) throw new Error(`could not read ${path}`);
          const blob = await res.blob();
          return new File([blob], path.split('/').pop(), { type: blob.type });
        };
        const classes = Object.keys(train);
        const ids = {};
        for (const name of classes) {
          const id = hs.commands.addClass();
          hs.commands.renameClass(id, name);
          ids[name] = id;
        }
        const files = {};
        for (const name of classes) files[name] = await Promise.all(train[name].map(load));
        const started = performance.now();
        for (const name of classes) await hs.commands.addFiles(ids[name], files[name]);
        const embedMs = performance.now() - started;
        const trainImages = hs.state().classes.reduce((n, c) => n + c.sampleIds.length, 0);
        const testFiles = Object.entries(test).flatMap(([name, paths]) => paths.map((path) => ({ truth: classes.indexOf(name), path })));
        for (const t of testFiles) t.file = await load(t.path);
        const worker = hs.worker();
        const runs = [];
        for (const recipe of recipes) {
          for (let seed = 1; seed <= seeds; seed++) {
            hs.commands.updateSettings({ ...hs.recipes[recipe], ...overrides, seed });
            await hs.commands.train();
            const training = hs.state().training;
            if (training.status !== 'trained') throw new Error(`training (${recipe}, seed ${seed}) ended as ${training.status}: ${training.error}`);
            const truth = [];
            const predicted = [];
            const predictStarted = performance.now();
            for (const { truth: t, file } of testFiles) {
              const scores = await worker.predict(file);
              truth.push(t);
              predicted.push(classes.indexOf(Object.keys(ids).find((n) => ids[n] === scores[0].classId)));
            }
            const summary = training.summary;
            runs.push({
              recipe,
              seed,
              metrics: hs.metrics(truth, predicted, classes.length),
              trainMs: summary.trainMs,
              predictMsPerImage: (performance.now() - predictStarted) / testFiles.length,
              epochsRun: summary.epochsRun,
              validation: { accuracy: summary.metrics.accuracy, count: summary.metrics.count },
              settings: hs.state().settings,
            });
          }
        }
        return {
          classes,
          runs,
          testImages: testFiles.length,
          backend: hs.state().model.info.choice.backend,
          backendReason: hs.state().model.info.choice.reason,
          backbone: hs.state().model.info.backbone.id,
          trainImages,
          embedMsPerImage: embedMs / trainImages,
          notices: hs.state().notices.map((n) => n.text),
          dump: dump ? await embedAll() : null,
        };
        async function embedAll() {
          const out = {};
          for (const [split, byClass] of [['train', train], ['test', test]]) {
            const paths = Object.entries(byClass).flatMap(([c, ps]) => ps.map((p) => [c, p]));
            const e = await worker.embedImages(await Promise.all(paths.map(([, p]) => load(p))), augment ?? undefined, margin, layers);
            const b64 = (f) => btoa(Array.from(new Uint8Array(f.buffer), (x) => String.fromCharCode(x)).join(''));
            out[split] = { dim: e.dim, labels: paths.map(([c]) => classes.indexOf(c)), plain: b64(e.plain), mirrored: b64(e.mirrored), views: e.augmented.length / e.plain.length, augmented: b64(e.augmented) };
          }
          return out;
        }
      },
      { train, test, prefix: FILES_PREFIX, recipes, seeds, overrides, dump: Boolean(args.dump), augment, margin: Number(args.margin ?? 0), layers: args.layers ? args.layers.split(',') : [] },
    ),
  );
  if (args.dump) writeFileSync(args.dump, JSON.stringify({ classes: result.classes, ...result.dump }));
  const byRecipe = Object.fromEntries(
    recipes.map((recipe) => {
      const runs = result.runs.filter((r) => r.recipe === recipe);
      return [
        recipe,
        {
          settings: { ...runs[0].settings, seed: undefined, seeds: runs.map((r) => r.seed) },
          accuracy: summarise(runs.map((r) => r.metrics.accuracy)),
          balancedAccuracy: summarise(runs.map((r) => r.metrics.balancedAccuracy)),
          trainMs: summarise(runs.map((r) => r.trainMs)),
          perSeed: runs.map((r) => ({
            seed: r.seed,
            accuracy: r.metrics.accuracy,
            balancedAccuracy: r.metrics.balancedAccuracy,
            perClass: Object.fromEntries(result.classes.map((c, i) => [c, r.metrics.perClass[i]])),
            confusion: r.metrics.confusion,
            trainMs: r.trainMs,
            predictMsPerImage: r.predictMsPerImage,
            epochsRun: r.epochsRun,
            validation: r.validation,
          })),
        },
      ];
    }),
  );
  const first = byRecipe[recipes[0]].perSeed[0];
  const out = {
    // The first recipe's first seed, as this command printed before it took several.
    accuracy: first.accuracy,
    balancedAccuracy: first.balancedAccuracy,
    perClass: first.perClass,
    confusion: first.confusion,
    classes: result.classes,
    backend: result.backend,
    trainImages: result.trainImages,
    testImages: result.testImages,
    embedMsPerImage: result.embedMsPerImage,
    trainMs: first.trainMs,
    backendReason: result.backendReason,
    backbone: result.backbone,
    validation: first.validation,
    settings: byRecipe[recipes[0]].settings,
    recipes: byRecipe,
    notices: result.notices,
  };
  if (args.json) console.log(JSON.stringify(out));
  else {
    const pct = (x) => (x * 100).toFixed(1);
    for (const [recipe, r] of Object.entries(byRecipe)) {
      const a = r.accuracy;
      const b = r.balancedAccuracy;
      console.log(
        `${recipe}: accuracy ${pct(a.mean)}% ± ${pct((a.max - a.min) / 2)} (balanced ${pct(b.mean)}%) over ${r.perSeed.length} seed(s) [${r.perSeed.map((s) => pct(s.accuracy)).join(' ')}] on ${out.testImages} test images; training ${(r.trainMs.mean / 1000).toFixed(1)} s`,
      );
      if (r.perSeed.length === 1)
        for (const c of out.classes) console.log(`  ${c.padEnd(28)} ${r.perSeed[0].perClass[c] === null ? '–' : (r.perSeed[0].perClass[c] * 100).toFixed(0) + '%'}`);
    }
    console.log(`backend ${out.backend}; embedding ${out.embedMsPerImage.toFixed(1)} ms/image over ${out.trainImages} images`);
  }
}

main().catch((error) => {
  console.error(`eval: ${error.message}`);
  process.exit(2);
});
