#!/usr/bin/env node
// node scripts/bench-node-webgpu.mjs [--out FILE] [--build-only]
// Bundles scripts/bench-node-webgpu.ts (the worker's bench functions on WebGPU through Dawn's Node
// bindings) into one ES module and runs it, for a machine with a GPU but no browser. It needs the
// optional package `webgpu` (npm install --no-save webgpu@0.6.2): see docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { parseArgs } from './harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = parseArgs(process.argv.slice(2), ['build-only']);
const out = resolve(args.out ?? `${root}/node_modules/.tmp/bench-node-webgpu.mjs`);

const bundle = await rolldown({
  input: `${root}/scripts/bench-node-webgpu.ts`,
  platform: 'node',
  // Dawn's bindings load a native addon from beside their own index.js, so they stay a package.
  external: ['webgpu'],
  logLevel: 'warn',
});
await bundle.write({ file: out, format: 'esm', codeSplitting: false });
await bundle.close();
console.error(`bundled ${out}`);
if (!args['build-only']) {
  const run = spawnSync(process.execPath, [out], { cwd: root, stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
