/** The pre-trained backbones bundled with the app (converted by scripts/prepare-models.mjs). */
export interface BackboneSpec {
  id: string;
  label: string;
  kind: 'graph' | 'layers';
  /** Folder under the models base URL holding model.json. */
  folder: string;
  /** Graph models: the node whose output is the embedding. Layers models: the layer to pool. */
  cutPoint: string;
  /**
   * The last feature map [h, w, featureDim] that the embedding is the mean of (a graph node or a layer):
   * where the heat maps come from (heatMap.ts). Layers models whose cut point is that map leave it out.
   */
  featureMap?: string;
  inputSize: number;
  featureDim: number;
  /**
   * Bumped whenever preprocessing changes, so cached embeddings computed the old way are not reused.
   */
  preprocessVersion: number;
  /**
   * Graph models: the id of the layers backbone with the same embeddings, which the model export is
   * built from (TF.js cannot re-export a graph model).
   */
  layersTwin?: string;
}

export const BACKBONES: Record<string, BackboneSpec> = {
  mobilenet_v2_140: {
    id: 'mobilenet_v2_140',
    label: 'MobileNetV2 1.4 (TF-Hub feature vector)',
    kind: 'graph',
    folder: 'mobilenet_v2_140_feature',
    cutPoint:
      'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze',
    featureMap: 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/MobilenetV2/Conv_1/Relu6',
    inputSize: 224,
    featureDim: 1792,
    preprocessVersion: 1,
    // Embeds ingest and prediction (faster on wasm: docs/benchmarks.md); the export uses its layers twin.
    layersTwin: 'mobilenet_v2_140_layers',
  },
  mobilenet_v2_140_layers: {
    id: 'mobilenet_v2_140_layers',
    label: 'MobileNetV2 1.4 (TF-Hub feature vector as a layers model)',
    kind: 'layers',
    folder: 'mobilenet_v2_140_layers',
    cutPoint: 'feature_vector',
    featureMap: 'Conv_1_relu6',
    inputSize: 224,
    featureDim: 1792,
    preprocessVersion: 1,
  },
  mobilenet_v2_100: {
    id: 'mobilenet_v2_100',
    label: 'MobileNetV2 1.0 (Keras, out_relu pooled)',
    kind: 'layers',
    folder: 'mobilenet_v2_100_keras',
    cutPoint: 'out_relu',
    inputSize: 224,
    featureDim: 1280,
    preprocessVersion: 1,
  },
};

/** Images embedded per backbone call: large enough to amortise per-call overhead, small enough for memory. */
export const EMBED_BATCH = 16;

/** Chosen by measured accuracy on the shared evaluation sets: see docs/studies.md "Choosing the backbone". */
export const DEFAULT_BACKBONE_ID = 'mobilenet_v2_140';

export function getBackboneSpec(id: string): BackboneSpec {
  const spec = BACKBONES[id];
  if (!spec) throw new Error(`Unknown backbone "${id}". Known: ${Object.keys(BACKBONES).join(', ')}`);
  return spec;
}

/** The layers backbone a model export is built from: the backbone itself, or a graph model's layers twin. */
export function exportSourceSpec(spec: BackboneSpec): BackboneSpec {
  if (spec.kind === 'layers') return spec;
  if (!spec.layersTwin) throw new Error(`${spec.label} cannot be exported: it has no layers model`);
  return getBackboneSpec(spec.layersTwin);
}
