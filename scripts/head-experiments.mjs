#!/usr/bin/env node
// node scripts/head-experiments.mjs --dumps A.json,B.json --variants FILE|JSON [--seeds 3] [--backend wasm|cpu]
// Head-training experiments in Node on embeddings dumped once by `npm run eval -- --data DIR --dump A.json`
// (each image as seen and mirrored), so a variant costs seconds instead of a browser run. Each variant
// is a recipe and settings over it, e.g. '{"tm":{"recipe":"tm"},"smooth":{"labelSmoothing":0.1}}'; each
// runs the app's own training flow (app/ml/fit.ts) once per seed 1..N and prints the test accuracy's
// mean ± half its range (and balanced accuracy) per dump. How the head defaults (docs/studies.md) were chosen.
// A variant may also set testViews, ensemble and columns (see head-experiments.ts), and the first line
// printed is the nearest-training-image accuracy of each dump.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { parseArgs } from './harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = parseArgs(process.argv.slice(2));
if (!args.dumps || !args.variants) throw new Error('usage: node scripts/head-experiments.mjs --dumps A.json,B.json --variants FILE|JSON [--seeds N] [--backend wasm|cpu]');
const out = `${root}/node_modules/.tmp/head-experiments.mjs`;
const bundle = await rolldown({ input: `${root}/scripts/head-experiments.ts`, platform: 'node', external: [/^@tensorflow\//], logLevel: 'warn' });
await bundle.write({ file: out, format: 'esm', codeSplitting: false });
await bundle.close();
const wasmDir = `${root}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`;
const dumps = args.dumps.split(',').map((p) => resolve(p)).join(',');
const run = spawnSync(process.execPath, [out, dumps, args.variants, args.seeds ?? '3', args.backend ?? 'wasm', wasmDir], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
// TF.js's advice to install tfjs-node is noise here; anything else on stderr is passed on.
process.stderr.write(String(run.stderr).replace(/=+\nHi, looks like you are running TensorFlow\.js in Node\.js[^\n]*\n=+\n/g, ''));
process.exit(run.status ?? 1);
