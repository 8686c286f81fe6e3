#!/usr/bin/env node
// node scripts/bench-backbones-wasm.mjs [--reps N]
// Ms per image of each bundled backbone on TF.js's wasm backend in Node (the same XNNPACK kernels as
// the app's wasm backend; one thread), batch EMBED_BATCH, after one warm-up batch. Compares the
// TF-Hub MobileNetV2 1.4 graph model with the layers model prepare-models.mjs rebuilds from it.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reps = Number(process.argv[process.argv.indexOf('--reps') + 1] || 0) || 4;
const BATCH = 16;

function fromDisk(folder) {
  const json = JSON.parse(readFileSync(join(root, 'public', 'models', folder, 'model.json'), 'utf8'));
  const bytes = readFileSync(join(root, 'public', 'models', folder, json.weightsManifest[0].paths[0]));
  return tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    userDefinedMetadata: json.userDefinedMetadata,
  });
}

const models = {
  'mobilenet_v2_140 graph (mobilenet_v2_140_feature)': async () => {
    const m = await tf.loadGraphModel(fromDisk('mobilenet_v2_140_feature'));
    const out = m.outputNodes[0];
    return (x) => m.execute(x, out);
  },
  'mobilenet_v2_140 layers (mobilenet_v2_140_layers)': async () => {
    const m = await tf.loadLayersModel(fromDisk('mobilenet_v2_140_layers'));
    return (x) => m.predict(x);
  },
};

setWasmPaths(join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
await tf.setBackend('wasm');
const input = tf.randomUniform([BATCH, 224, 224, 3], 0, 1, 'float32', 1);
const embedders = {};
for (const [name, load] of Object.entries(models)) {
  embedders[name] = await load();
  await tf.tidy(() => embedders[name](input)).data();
}
// Interleaved, so a busy moment on a shared machine falls on both models alike.
const times = Object.fromEntries(Object.keys(models).map((name) => [name, []]));
for (let r = 0; r < reps; r++) {
  for (const [name, embed] of Object.entries(embedders)) {
    const t0 = performance.now();
    const y = tf.tidy(() => embed(input));
    await y.data();
    y.dispose();
    times[name].push((performance.now() - t0) / BATCH);
  }
}
for (const [name, all] of Object.entries(times)) {
  const sorted = all.slice().sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`${name}: median ${median.toFixed(1)}, min ${sorted[0].toFixed(1)} ms/image (batch ${BATCH}, ${reps} reps: ${all.map(Math.round).join(', ')})`);
}
console.log(`backend ${tf.getBackend()}, TF.js ${tf.version.tfjs}, node ${process.version}`);
