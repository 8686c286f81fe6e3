#!/usr/bin/env node
// npm run eval -- --data DIR [--backend B] [--json] [--settings JSON] [--backbone ID] [--dump FILE]
// --dump also writes every image's embedding (as seen and mirrored) to FILE for offline analysis.
// Trains the production app's own worker pipeline, in headless Chromium, on DIR/train/<class>/*
// with the app's default settings, predicts DIR/test/<class>/*, and prints the metrics.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FILES_PREFIX, parseArgs, withApp } from './harness.mjs';

const IMAGE = /\.(png|jpe?g|webp)$/i;
const USAGE = 'usage: npm run eval -- --data DIR [--backend auto|webgpu|webgl|wasm|cpu] [--json] [--settings JSON] [--backbone ID] [--dump FILE]';

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

async function main() {
  const args = parseArgs(process.argv.slice(2), ['json', 'no-build']);
  if (!args.data) throw new Error(USAGE);
  const data = resolve(args.data);
  const { train, test } = readSplitFolder(data);
  const settings = args.settings ? JSON.parse(args.settings) : null;
  const log = args.json ? () => {} : (m) => console.error(m);
  const result = await withApp({ backend: args.backend ?? 'auto', backbone: args.backbone, filesRoot: data, skipBuild: args['no-build'], log }, (page) =>
    page.evaluate(
      async ({ train, test, prefix, settings, dump }) => {
        const hs = window.headstart;
        const load = async (path) => {
          const res = await fetch(prefix + path.split('/').map(encodeURIComponent).join('/'));
          if (!res.ok) throw new Error(`could not read ${path}`);
          const blob = await res.blob();
          return new File([blob], path.split('/').pop(), { type: blob.type });
        };
        if (settings) hs.commands.updateSettings(settings);
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
        await hs.commands.train();
        const training = hs.state().training;
        if (training.status !== 'trained') throw new Error(`training ended as ${training.status}: ${training.error}`);
        const truth = [];
        const predicted = [];
        const worker = hs.worker();
        for (const name of Object.keys(test)) {
          for (const path of test[name]) {
            const scores = await worker.predict(await load(path));
            truth.push(classes.indexOf(name));
            predicted.push(classes.indexOf(Object.keys(ids).find((n) => ids[n] === scores[0].classId)));
          }
        }
        return {
          classes,
          metrics: hs.metrics(truth, predicted, classes.length),
          testImages: truth.length,
          backend: hs.state().model.info.choice.backend,
          backendReason: hs.state().model.info.choice.reason,
          backbone: hs.state().model.info.backbone.id,
          trainImages,
          embedMsPerImage: embedMs / trainImages,
          trainMs: training.summary.trainMs,
          validation: { accuracy: training.summary.metrics.accuracy, count: training.summary.metrics.count },
          settings: hs.state().settings,
          notices: hs.state().notices.map((n) => n.text),
          dump: dump ? await embedAll() : null,
        };
        async function embedAll() {
          const out = {};
          for (const [split, byClass] of [['train', train], ['test', test]]) {
            const paths = Object.entries(byClass).flatMap(([c, ps]) => ps.map((p) => [c, p]));
            const e = await worker.embedImages(await Promise.all(paths.map(([, p]) => load(p))));
            const b64 = (f) => btoa(Array.from(new Uint8Array(f.buffer), (x) => String.fromCharCode(x)).join(''));
            out[split] = { dim: e.dim, labels: paths.map(([c]) => classes.indexOf(c)), plain: b64(e.plain), mirrored: b64(e.mirrored) };
          }
          return out;
        }
      },
      { train, test, prefix: FILES_PREFIX, settings, dump: Boolean(args.dump) },
    ),
  );
  const m = result.metrics;
  if (args.dump) writeFileSync(args.dump, JSON.stringify({ classes: result.classes, ...result.dump }));
  const out = {
    accuracy: m.accuracy,
    balancedAccuracy: m.balancedAccuracy,
    perClass: Object.fromEntries(result.classes.map((c, i) => [c, m.perClass[i]])),
    confusion: m.confusion,
    classes: result.classes,
    backend: result.backend,
    trainImages: result.trainImages,
    testImages: result.testImages,
    embedMsPerImage: result.embedMsPerImage,
    trainMs: result.trainMs,
    backendReason: result.backendReason,
    backbone: result.backbone,
    validation: result.validation,
    settings: result.settings,
    notices: result.notices,
  };
  if (args.json) console.log(JSON.stringify(out));
  else {
    console.log(`accuracy ${(out.accuracy * 100).toFixed(1)}% (balanced ${(out.balancedAccuracy * 100).toFixed(1)}%) on ${out.testImages} test images`);
    for (const c of out.classes) console.log(`  ${c.padEnd(28)} ${out.perClass[c] === null ? '–' : (out.perClass[c] * 100).toFixed(0) + '%'}`);
    console.log(`backend ${out.backend}; embedding ${out.embedMsPerImage.toFixed(1)} ms/image over ${out.trainImages} images; training ${(out.trainMs / 1000).toFixed(1)} s`);
  }
}

main().catch((error) => {
  console.error(`eval: ${error.message}`);
  process.exit(2);
});
