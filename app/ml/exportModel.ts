/**
 * The trained classifier as ONE Keras-style TF.js layers model in Teachable Machine's layout:
 * image [n, 224, 224, 3] as Teachable Machine feeds it (pixel / 127 − 1) → an input adapter → the
 * backbone's layers up to its embedding → the trained head → class probabilities in label order.
 * Built from JSON (the backbone's layers-model topology, the head's config) and float32 weights, so
 * nothing is applied to the live models. Only layer classes TF.js 1.3.1 and Keras know.
 */
import * as tf from '@tensorflow/tfjs';

/** Teachable Machine's scaling: x / 127 − 1 for pixel values x in [0, 255]. */
export const TM_SCALE = { divide: 127, subtract: 1 } as const;

/** A layer of a Keras functional model in TF.js's JSON (snake_case keys, as model.json stores them). */
export interface LayerJson {
  class_name: string;
  name: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes: [string, number, number, Record<string, never>][][];
}

export interface ExportedModel {
  /** model.json without its weightsManifest paths (see `shardWeights`). */
  modelTopology: { keras_version: string; backend: string; model_config: { class_name: 'Model'; config: { name: string; layers: LayerJson[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] } } };
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

interface ModelConfig {
  class_name: string;
  config: { layers: LayerJson[] };
}
/** Keras-converted model.json wraps the model config in `model_config`; TF.js's own save does not. */
type BackboneTopology = { model_config: ModelConfig } | ModelConfig;

const zeros = { class_name: 'Zeros', config: {} };

/**
 * The adapter maps Teachable Machine's input y = x/127 − 1 to the backbone's x/255:
 * x/255 = (y + 1) · 127/255 = y · 127/255 + 127/255, a per-channel 1×1 depthwise convolution with bias.
 */
function inputAdapter(name: string, inbound: string): { layer: LayerJson; weights: tf.NamedTensorMap } {
  const c = TM_SCALE.divide / 255;
  return {
    layer: {
      class_name: 'DepthwiseConv2D',
      name,
      config: {
        name, trainable: false, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', data_format: 'channels_last',
        dilation_rate: [1, 1], depth_multiplier: 1, activation: 'linear', use_bias: true,
        depthwise_initializer: zeros, bias_initializer: zeros, depthwise_regularizer: null, bias_regularizer: null,
        activity_regularizer: null, depthwise_constraint: null, bias_constraint: null,
      },
      inbound_nodes: [[[inbound, 0, 0, {}]]],
    },
    weights: {
      [`${name}/depthwise_kernel`]: tf.fill([1, 1, 3, 1], c),
      [`${name}/bias`]: tf.fill([3], c * TM_SCALE.subtract),
    },
  };
}

/**
 * The app's test-time flip (the average of the head's probabilities for the image and its mirror) as
 * layers: the mirror is a 1×W convolution whose one-hot kernel reverses each row (exact: each output is
 * one pixel × 1 plus zeros) and a Reshape back to the image; every layer after `from` is applied to it a
 * second time (the same weights: a second inbound node), and an Average layer joins both predictions.
 * Mutates `layers`; returns the new output layer and the mirror's weights.
 */
function mirrorBranch(layers: LayerJson[], from: string, size: number): { output: string; weights: tf.NamedTensorMap } {
  const at = layers.findIndex((l) => l.name === from) + 1;
  const shared = layers.slice(at);
  const last = shared[shared.length - 1].name;
  for (const l of shared) {
    l.inbound_nodes.push(l.inbound_nodes[0].map(([name, , tensor]) => (name === from ? ['mirror_reshape', 0, 0, {}] : [name, 1, tensor, {}])));
  }
  // kernel[0, w, c, w'·3 + c] = 1 where w' = size − 1 − w.
  const values = new Float32Array(size * 3 * size * 3);
  for (let w = 0; w < size; w++) for (let c = 0; c < 3; c++) values[(w * 3 + c) * size * 3 + (size - 1 - w) * 3 + c] = 1;
  const kernel = tf.tensor4d(values, [1, size, 3, size * 3]);
  const mirror: LayerJson = {
    class_name: 'Conv2D',
    name: 'mirror',
    config: {
      name: 'mirror', trainable: false, filters: size * 3, kernel_size: [1, size], strides: [1, 1], padding: 'valid',
      data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: false, kernel_initializer: zeros,
      bias_initializer: zeros, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
    },
    inbound_nodes: [[[from, 0, 0, {}]]],
  };
  const reshape: LayerJson = { class_name: 'Reshape', name: 'mirror_reshape', config: { name: 'mirror_reshape', trainable: false, target_shape: [size, size, 3] }, inbound_nodes: [[['mirror', 0, 0, {}]]] };
  const average: LayerJson = { class_name: 'Average', name: 'test_time_flip', config: { name: 'test_time_flip', trainable: false }, inbound_nodes: [[[last, 0, 0, {}], [last, 1, 0, {}]]] };
  layers.splice(at, 0, mirror, reshape);
  layers.push(average);
  return { output: average.name, weights: { 'mirror/kernel': kernel } };
}

/**
 * Builds the exported model. `backbone` is the layers backbone as loaded (its model.json topology and
 * weights), cut at `cutPoint` and average-pooled if the cut is a feature map; `head` is the trained head.
 */
export async function buildExportModel(
  backbone: tf.io.ModelArtifacts,
  cutPoint: string,
  head: tf.LayersModel,
  name: string,
  options: { testTimeFlip?: boolean; weights?: tf.NamedTensorMap } = {},
): Promise<ExportedModel> {
  const topology = backbone.modelTopology as BackboneTopology | undefined;
  const modelConfig = topology && 'model_config' in topology ? topology.model_config : topology;
  const all = modelConfig?.config?.layers;
  if (!all || !['Model', 'Functional'].includes(modelConfig.class_name) || !backbone.weightSpecs || !backbone.weightData) {
    throw new Error('the backbone is not a functional layers model with weights');
  }
  const cut = all.findIndex((l) => l.name === cutPoint);
  if (cut < 0) throw new Error(`the backbone has no layer "${cutPoint}"`);
  const input = all[0];
  if (input.class_name !== 'InputLayer') throw new Error('the backbone does not start with its input');
  const layers: LayerJson[] = structuredClone(all.slice(0, cut + 1));
  const adapter = inputAdapter('tm_input', input.name);
  for (const l of layers) {
    for (const node of l.inbound_nodes) for (const edge of node) if (edge[0] === input.name) edge[0] = adapter.layer.name;
  }
  layers.splice(1, 0, adapter.layer);
  let last = cutPoint;
  if (all[cut].class_name !== 'GlobalAveragePooling2D') {
    // A feature map (e.g. Keras MobileNetV2's out_relu) is pooled to the embedding, as backbone.ts does.
    last = 'feature_vector';
    layers.push({ class_name: 'GlobalAveragePooling2D', name: last, config: { name: last, trainable: false, data_format: 'channels_last' }, inbound_nodes: [[[cutPoint, 0, 0, {}]]] });
  }

  // The head as model.json writes it (snake_case keys), each layer chained after the one before.
  const headJson = head.toJSON(null, false) as unknown as { config: { layers: { class_name: string; config: LayerJson['config'] }[] } };
  const rename = (weightOrLayer: string) => `head_${weightOrLayer}`;
  for (const l of headJson.config.layers) {
    const config: LayerJson['config'] = { ...l.config, name: rename(l.config.name) };
    delete config.batch_input_shape;
    layers.push({ class_name: l.class_name, name: config.name, config, inbound_nodes: [[[last, 0, 0, {}]]] });
    last = config.name;
  }

  const owned: tf.NamedTensorMap = { ...adapter.weights };
  if (options.testTimeFlip) {
    const size = (input.config.batch_input_shape as number[])[2];
    const flip = mirrorBranch(layers, adapter.layer.name, size);
    Object.assign(owned, flip.weights);
    last = flip.output;
  }
  const keep = new Set(layers.map((l) => l.name));
  for (const [key, t] of Object.entries(tf.io.decodeWeights(backbone.weightData, backbone.weightSpecs))) {
    const replaced = options.weights?.[key];
    if (replaced && replaced.size !== t.size) throw new Error(`weight ${key}: ${replaced.size} values given for ${t.size}`);
    if (keep.has(key.split('/')[0])) owned[key] = replaced ? replaced.reshape(t.shape) : t;
    if (replaced || !keep.has(key.split('/')[0])) t.dispose();
  }
  const headWeights = Object.fromEntries(head.weights.map((w) => [rename(w.originalName), w.read()]));
  const { data, specs } = await tf.io.encodeWeights({ ...owned, ...headWeights });
  tf.dispose(Object.values(owned));
  return {
    modelTopology: {
      keras_version: '2.2.4',
      backend: 'tensorflow',
      model_config: { class_name: 'Model', config: { name, layers, input_layers: [[input.name, 0, 0]], output_layers: [[last, 0, 0]] } },
    },
    weightSpecs: specs,
    weightData: data,
  };
}
