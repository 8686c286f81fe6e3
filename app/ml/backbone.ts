import * as tf from '@tensorflow/tfjs';
import { groupByPart, type BackbonePart } from './backboneParts';
import type { BackboneSpec } from './backbones';

/** A frozen feature extractor: pixels in [0,1], shape [n, size, size, 3] → embeddings [n, featureDim]. */
export interface Backbone {
  readonly spec: BackboneSpec;
  /** Number of (frozen) weights in the backbone. */
  readonly paramCount: number;
  /** The same weights by part of the network (stem, blocks, last convolution), in network order. */
  readonly parts: BackbonePart[];
  embed(pixels: tf.Tensor4D): tf.Tensor2D;
  /** The same embeddings with the last feature map they are the mean of ([n, h, w, featureDim]), for heat maps. */
  embedWithMap(pixels: tf.Tensor4D): { embedding: tf.Tensor2D; map: tf.Tensor4D };
  /** Snapshot of every backbone weight, for tests that prove training leaves them untouched. */
  weightTensors(): tf.Tensor[];
  dispose(): void;
}

/**
 * Loads a backbone from a URL (the model.json) or any TF.js IOHandler (tests load from disk or memory),
 * and warms it up once on zeros so the first real image does not pay for shader compilation.
 */
export async function loadBackbone(spec: BackboneSpec, source: string | tf.io.IOHandler): Promise<Backbone> {
  const backbone = spec.kind === 'graph' ? await loadGraph(spec, source) : await loadLayers(spec, source);
  const warm = tf.tidy(() => backbone.embed(tf.zeros([1, spec.inputSize, spec.inputSize, 3])));
  await warm.data();
  warm.dispose();
  return backbone;
}

async function loadGraph(spec: BackboneSpec, source: string | tf.io.IOHandler): Promise<Backbone> {
  const model = await tf.loadGraphModel(source);
  const weights = Object.values(model.weights).flat();
  return {
    spec,
    paramCount: weights.reduce((n, t) => n + t.size, 0),
    parts: groupByPart(Object.entries(model.weights).flatMap(([name, tensors]) => tensors.map((t) => ({ name, size: t.size })))),
    embed: (pixels) => model.execute(pixels, spec.cutPoint) as tf.Tensor2D,
    embedWithMap: (pixels) => {
      if (!spec.featureMap) throw new Error(`${spec.label} names no feature map for heat maps`);
      const [embedding, map] = model.execute(pixels, [spec.cutPoint, spec.featureMap]) as [tf.Tensor2D, tf.Tensor4D];
      return { embedding, map };
    },
    weightTensors: () => weights,
    dispose: () => model.dispose(),
  };
}

async function loadLayers(spec: BackboneSpec, source: string | tf.io.IOHandler): Promise<Backbone> {
  const model = await tf.loadLayersModel(source);
  const cut = model.getLayer(spec.cutPoint).getOutputAt(0) as tf.SymbolicTensor;
  // A feature map is average-pooled to a vector; a cut point that is already a vector is the embedding.
  const pooled = cut.rank === 4 ? (tf.layers.globalAveragePooling2d({}).apply(cut) as tf.SymbolicTensor) : cut;
  const extractor = tf.model({ inputs: model.inputs, outputs: pooled });
  extractor.trainable = false;
  // The same embedding beside the feature map it pools, for heat maps (made on first use).
  const mapOutput = spec.featureMap ? (model.getLayer(spec.featureMap).getOutputAt(0) as tf.SymbolicTensor) : cut.rank === 4 ? cut : null;
  let withMap: tf.LayersModel | null = null;
  return {
    spec,
    paramCount: extractor.countParams(),
    parts: groupByPart(extractor.weights.map((w) => ({ name: w.originalName, size: w.read().size }))),
    embed: (pixels) => extractor.predict(pixels) as tf.Tensor2D,
    embedWithMap: (pixels) => {
      if (!mapOutput) throw new Error(`${spec.label} names no feature map for heat maps`);
      withMap ??= tf.model({ inputs: model.inputs, outputs: [pooled, mapOutput] });
      const [embedding, map] = withMap.predict(pixels) as [tf.Tensor2D, tf.Tensor4D];
      return { embedding, map };
    },
    weightTensors: () => extractor.weights.map((w) => w.read()),
    dispose: () => model.dispose(),
  };
}
