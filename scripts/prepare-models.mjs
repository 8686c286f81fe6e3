#!/usr/bin/env node
// Converts the pre-trained MobileNetV2 weights shipped by the npm package nsfwjs@4.4.0 (MIT)
// from its JS-wrapped UMD files into standard TF.js model folders under public/models/,
// drops the NSFW classification head, and copies the TF.js WASM binaries to public/wasm/.
// Runs on `npm install` (postinstall) and `npm run build`; needs no network.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync, copyFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Root folder of an installed package (works for packages whose `exports` hide package.json). */
function packageRoot(name) {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || !dir.endsWith(join('node_modules', name))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the root of package ${name}`);
    dir = up;
  }
  return dir;
}

const nsfwModels = join(packageRoot('nsfwjs'), 'dist', 'models');

const BYTES = { float32: 4, int32: 4, uint16: 2, float16: 2, uint8: 1, bool: 1 };

/** Bytes one weight entry occupies in the concatenated shards. */
function entryBytes(w) {
  const count = w.shape.reduce((a, b) => a * b, 1);
  return count * BYTES[w.quantization ? w.quantization.dtype : w.dtype];
}

function readUmd(dir, file) {
  return require(join(nsfwModels, dir, file));
}

/** Loads model JSON + concatenated weight bytes of one nsfwjs model folder. */
function loadNsfwModel(dir) {
  const model = readUmd(dir, 'model.min.js');
  const paths = model.weightsManifest.flatMap((g) => g.paths);
  const buffers = paths.map((p) => Buffer.from(readUmd(dir, `${p}.min.js`), 'base64'));
  const weights = model.weightsManifest.flatMap((g) => g.weights);
  return { model, weights, data: Buffer.concat(buffers) };
}

/** Keeps only the weights named in `keep`, re-slicing the binary. */
function selectWeights(weights, data, keep) {
  const kept = [];
  const parts = [];
  let offset = 0;
  for (const w of weights) {
    const n = entryBytes(w);
    if (keep(w.name)) {
      kept.push(w);
      parts.push(data.subarray(offset, offset + n));
    }
    offset += n;
  }
  if (offset !== data.length) throw new Error(`weight bytes mismatch: ${offset} != ${data.length}`);
  return { weights: kept, data: Buffer.concat(parts) };
}

function writeModel(name, modelJson, weights, data, extra) {
  const out = join(root, 'public', 'models', name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const shardFile = 'weights.bin';
  writeFileSync(join(out, shardFile), data);
  const json = { ...modelJson, ...extra, weightsManifest: [{ paths: [shardFile], weights }] };
  writeFileSync(join(out, 'model.json'), JSON.stringify(json));
  return { out, bytes: data.length };
}

/** TF-Hub MobileNetV2 1.4 feature-vector graph model, pruned to the 1792-d feature vector. */
function prepareGraphBackbone() {
  const { model, weights, data } = loadNsfwModel('mobilenet_v2_mid');
  const nodes = model.modelTopology.node;
  const featureNode = nodes.find((n) => n.name.endsWith('feature_vector/SpatialSqueeze'));
  if (!featureNode) throw new Error('mobilenet_v2_mid: feature vector node not found');
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const needed = new Set();
  const stack = [featureNode.name];
  while (stack.length) {
    const name = stack.pop();
    if (needed.has(name)) continue;
    needed.add(name);
    for (const input of byName.get(name)?.input ?? []) {
      stack.push(input.replace(/^\^/, '').split(':')[0]);
    }
  }
  const selected = selectWeights(weights, data, (n) => needed.has(n));
  const topology = { ...model.modelTopology, node: nodes.filter((n) => needed.has(n.name)) };
  const signature = structuredClone(model.userDefinedMetadata.signature);
  signature.outputs = {
    [`${featureNode.name}:0`]: {
      name: `${featureNode.name}:0`,
      dtype: 'DT_FLOAT',
      tensorShape: { dim: [{ size: '-1' }, { size: '1792' }] },
    },
  };
  return writeModel(
    'mobilenet_v2_140_feature',
    { format: model.format, generatedBy: model.generatedBy, convertedBy: model.convertedBy },
    selected.weights,
    selected.data,
    { modelTopology: topology, userDefinedMetadata: { signature } },
  );
}

/** Keras MobileNetV2 1.0 layers model, truncated after `out_relu` (7x7x1280). */
function prepareLayersBackbone() {
  const { model, weights, data } = loadNsfwModel('mobilenet_v2');
  const config = structuredClone(model.modelTopology.model_config);
  const layers = config.config.layers;
  const cut = layers.findIndex((l) => l.name === 'out_relu');
  if (cut < 0) throw new Error('mobilenet_v2: out_relu not found');
  config.config.layers = layers.slice(0, cut + 1);
  config.config.output_layers = [['out_relu', 0, 0]];
  const keptLayers = new Set(config.config.layers.map((l) => l.name));
  const selected = selectWeights(weights, data, (n) => keptLayers.has(n.split('/')[0]));
  const { training_config: _dropped, ...topology } = model.modelTopology;
  return writeModel(
    'mobilenet_v2_100_keras',
    { format: 'layers-model', generatedBy: 'nsfwjs@4.4.0', convertedBy: 'headstart/scripts/prepare-models.mjs' },
    selected.weights,
    selected.data,
    { modelTopology: { ...topology, model_config: config } },
  );
}

function copyWasm() {
  const dist = join(packageRoot('@tensorflow/tfjs-backend-wasm'), 'dist');
  const out = join(root, 'public', 'wasm');
  mkdirSync(out, { recursive: true });
  const files = readdirSync(dist).filter((f) => f.endsWith('.wasm'));
  for (const f of files) copyFileSync(join(dist, f), join(out, f));
  return files;
}

const graph = prepareGraphBackbone();
const layers = prepareLayersBackbone();
const wasm = copyWasm();
console.log(
  `prepare-models: ${graph.out} (${graph.bytes} B), ${layers.out} (${layers.bytes} B), wasm: ${wasm.join(', ')}`,
);
