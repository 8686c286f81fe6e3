// Loads a TF.js layers model folder (model.json + shards) with TF.js 1.3.1 — the version Teachable
// Machine's library pins — and prints its predictions for the float32 inputs of a binary file, as JSON.
// Run in its own process (two TF.js versions cannot share one: they share a global engine).
// Usage: node e2e/tm-compat/predict.mjs MODEL_DIR INPUT.f32 N,H,W,C OUTPUT.json
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Resolved from this folder: e2e/tm-compat/node_modules/@tensorflow/tfjs, i.e. 1.3.1.
const tf = createRequire(import.meta.url)('@tensorflow/tfjs');

async function main() {
  const [dir, inputFile, shapeArg, outFile] = process.argv.slice(2);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const data = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dir, p))));
  const handler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    }),
  };
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(handler);
  const bytes = readFileSync(inputFile);
  const input = tf.tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), shapeArg.split(',').map(Number));
  const output = model.predict(input);
  const result = { tfjsVersion: tf.version.tfjs, layers: model.layers.map((l) => l.getClassName()), output: await output.array() };
  writeFileSync(outFile, JSON.stringify(result));
}
main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
