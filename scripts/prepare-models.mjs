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

/** The TF-Hub MobileNetV2 1.4 graph of nsfwjs's mobilenet_v2_mid, pruned to the 1792-d feature vector. */
function loadFeatureVectorGraph() {
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
  return { model, featureNode, topology, weights: selected.weights, data: selected.data };
}

/** TF-Hub MobileNetV2 1.4 feature-vector graph model, pruned to the 1792-d feature vector. */
function prepareGraphBackbone() {
  const { model, featureNode, topology, ...selected } = loadFeatureVectorGraph();
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

/**
 * The same TF-Hub MobileNetV2 1.4 feature vector as a Keras-style LAYERS model (trainable and
 * re-exportable, unlike a graph model), built node by node from the graph itself, which stays the one
 * source of truth: the input scaling (Mul, Sub) becomes a 1×1 DepthwiseConv2D with bias; each
 * _FusedConv2D / FusedDepthwiseConv2dNative (BatchNorm already folded into a bias) a Conv2D /
 * DepthwiseConv2D with bias, plus a ReLU with max_value 6 where the graph fuses Relu6; AddV2 an Add;
 * AvgPool over the whole 7×7 map + Squeeze a GlobalAveragePooling2D named `feature_vector`. Only
 * layer classes TF.js 1.3.1 (Teachable Machine's) knows, top-level class "Model". The uint8 weights
 * are copied byte for byte with their quantization, so both models dequantize to the same numbers.
 */
function prepareLayersFromGraph() {
  const { topology, weights, data } = loadFeatureVectorGraph();
  const nodes = topology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const short = (name) => name.slice(name.indexOf('predict/') + 'predict/'.length).replace(/^MobilenetV2\//, '');
  const attr = (node, key) => node.attr?.[key];
  const str = (a) => Buffer.from(a.s, 'base64').toString();
  const strs = (a) => (a?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
  const ints = (a) => (a?.list?.i ?? []).map(Number);

  // Raw bytes of each graph weight, by name.
  const raw = new Map();
  let offset = 0;
  for (const w of weights) {
    const n = entryBytes(w);
    raw.set(w.name, { spec: w, bytes: data.subarray(offset, offset + n) });
    offset += n;
  }
  const scalar = (name) => {
    const { spec, bytes } = raw.get(name);
    const q = spec.quantization;
    return q ? bytes[0] * q.scale + q.min : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 4))[0];
  };

  const layers = [];
  const outSpecs = [];
  const outBytes = [];
  const addWeight = (name, src) => {
    outSpecs.push({ ...src.spec, name });
    outBytes.push(src.bytes);
  };
  const addFloat = (name, shape, values) => {
    outSpecs.push({ name, shape, dtype: 'float32' });
    outBytes.push(Buffer.from(new Float32Array(values).buffer));
  };
  /** Graph node name → [layer name] whose output stands for it. */
  const outputOf = new Map();
  const layer = (class_name, name, config, inputs) => {
    layers.push({
      class_name,
      name,
      config: { name, trainable: false, ...config },
      inbound_nodes: inputs.length ? [inputs.map((i) => [outputOf.get(i) ?? i, 0, 0, {}])] : [],
    });
    return name;
  };
  const real = (input) => input.replace(/^\^/, '').split(':')[0];
  const conv = { data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: true, bias_initializer: { class_name: 'Zeros', config: {} }, bias_regularizer: null, activity_regularizer: null, bias_constraint: null };
  let inputName;
  let inputSize;

  for (const node of nodes) {
    const inputs = (node.input ?? []).map(real).filter((i) => byName.get(i)?.op !== 'Const');
    const consts = (node.input ?? []).map(real).filter((i) => byName.get(i)?.op === 'Const');
    switch (node.op) {
      case 'Const':
        break;
      case 'Placeholder': {
        const dims = attr(node, 'shape').shape.dim.map((d) => Number(d.size));
        inputSize = dims[1];
        inputName = layer('InputLayer', 'input', { batch_input_shape: [null, ...dims.slice(1)], dtype: 'float32', sparse: false }, []);
        outputOf.set(node.name, inputName);
        break;
      }
      case 'Mul': {
        // hub_input: x * a - b, as one per-channel 1×1 depthwise convolution with bias (exact: one product, one sum).
        const sub = nodes.find((n) => n.op === 'Sub' && n.input.map(real).includes(node.name));
        if (!sub) throw new Error('mobilenet_v2_mid: input Mul without its Sub');
        const a = scalar(consts[0]);
        const b = scalar(sub.input.map(real).find((i) => byName.get(i)?.op === 'Const'));
        const name = layer('DepthwiseConv2D', 'hub_input', { ...conv, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', depth_multiplier: 1, depthwise_initializer: { class_name: 'Ones', config: {} }, depthwise_regularizer: null, depthwise_constraint: null }, inputs);
        addFloat(`${name}/depthwise_kernel`, [1, 1, 3, 1], [a, a, a]);
        addFloat(`${name}/bias`, [3], [-b, -b, -b]);
        outputOf.set(node.name, name);
        outputOf.set(sub.name, name);
        break;
      }
      case 'Sub':
        if (!outputOf.has(node.name)) throw new Error(`mobilenet_v2_mid: unexpected Sub ${node.name}`);
        break;
      case '_FusedConv2D':
      case 'FusedDepthwiseConv2dNative': {
        const depthwise = node.op !== '_FusedConv2D';
        const fused = strs(attr(node, 'fused_ops'));
        const padding = str(attr(node, 'padding'));
        if (padding !== 'SAME' && padding !== 'VALID') throw new Error(`mobilenet_v2_mid: ${node.name} has padding ${padding}`);
        if (fused[0] !== 'BiasAdd' || fused.length > 2 || (fused[1] && fused[1] !== 'Relu6')) {
          throw new Error(`mobilenet_v2_mid: ${node.name} fuses ${fused.join('+')}`);
        }
        const [kernelName, biasName] = consts;
        const kernel = raw.get(kernelName);
        const name = short(kernelName).replace(/\/(Conv2D|depthwise)_weights$/, '').replaceAll('/', '_');
        const [kh, kw, , out] = kernel.spec.shape;
        const strides = ints(attr(node, 'strides')).slice(1, 3);
        const common = { ...conv, kernel_size: [kh, kw], strides, padding: padding.toLowerCase() };
        const config = depthwise
          ? { ...common, depth_multiplier: out, depthwise_initializer: { class_name: 'Zeros', config: {} }, depthwise_regularizer: null, depthwise_constraint: null }
          : { ...common, filters: out, kernel_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, kernel_constraint: null };
        layer(depthwise ? 'DepthwiseConv2D' : 'Conv2D', name, config, inputs);
        addWeight(`${name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`, kernel);
        addWeight(`${name}/bias`, raw.get(biasName));
        outputOf.set(node.name, fused[1] ? layer('ReLU', `${name}_relu6`, { max_value: 6, negative_slope: 0, threshold: 0 }, [name]) : name);
        break;
      }
      case 'AddV2':
        outputOf.set(node.name, layer('Add', short(node.name).replaceAll('/', '_'), {}, inputs));
        break;
      case 'AvgPool': {
        const k = ints(attr(node, 'ksize'));
        if (k[1] * 32 !== inputSize || k[2] * 32 !== inputSize) throw new Error(`mobilenet_v2_mid: AvgPool ${k} is not global`);
        outputOf.set(node.name, layer('GlobalAveragePooling2D', 'feature_vector', { data_format: 'channels_last' }, inputs));
        break;
      }
      case 'Squeeze':
        outputOf.set(node.name, outputOf.get(inputs[0]));
        break;
      default:
        throw new Error(`mobilenet_v2_mid: no layer for ${node.op} (${node.name})`);
    }
  }
  const modelTopology = {
    keras_version: '2.2.4',
    backend: 'tensorflow',
    model_config: {
      class_name: 'Model',
      config: { name: 'mobilenet_v2_140_feature_vector', layers, input_layers: [[inputName, 0, 0]], output_layers: [['feature_vector', 0, 0]] },
    },
  };
  return writeModel(
    'mobilenet_v2_140_layers',
    { format: 'layers-model', generatedBy: 'nsfwjs@4.4.0 mobilenet_v2_mid', convertedBy: 'headstart/scripts/prepare-models.mjs' },
    outSpecs,
    Buffer.concat(outBytes),
    { modelTopology },
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
const graphAsLayers = prepareLayersFromGraph();
const wasm = copyWasm();
console.log(
  `prepare-models: ${graph.out} (${graph.bytes} B), ${graphAsLayers.out} (${graphAsLayers.bytes} B), ${layers.out} (${layers.bytes} B), wasm: ${wasm.join(', ')}`,
);
