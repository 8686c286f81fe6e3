import type * as tf from '@tensorflow/tfjs';
import { adaptedLayerNames, cutLayerName } from './blocks';

/** What trains and what stays frozen, per layer, and what the optimizer holds for it (Under the hood, bench). */
export interface LayerParams {
  name: string;
  frozen: number;
  trainable: number;
}

export interface MemoryReport {
  /** Adapted blocks (0 = head only). */
  blocks: number;
  /** Null for head only (the embedding cache is the cut). */
  cutLayer: string | null;
  layers: LayerParams[];
  frozenParams: number;
  trainableParams: number;
  /** Adam's state for the variables it is given: two float32 moments per trainable parameter. */
  optimizerBytes: number;
  /** What the same optimizer would hold if it were given every variable (backbone and head). */
  optimizerBytesIfAll: number;
}

/** Adam keeps m and v, one float32 each, per parameter it is given. */
export const ADAM_BYTES_PER_PARAM = 8;

/** Per-layer parameter counts of the backbone + head with the last `blocks` blocks adapted. */
export function memoryReport(backbone: tf.LayersModel, blocks: number, head: tf.LayersModel): MemoryReport {
  const adapted = new Set(blocks > 0 ? adaptedLayerNames(blocks) : []);
  const count = (layer: tf.layers.Layer) => layer.weights.reduce((n, w) => n + w.read().size, 0);
  const layers: LayerParams[] = [
    ...backbone.layers.filter((l) => l.weights.length > 0).map((l) => (adapted.has(l.name) ? { name: l.name, frozen: 0, trainable: count(l) } : { name: l.name, frozen: count(l), trainable: 0 })),
    ...head.layers.filter((l) => l.weights.length > 0).map((l) => ({ name: `head/${l.name}`, frozen: 0, trainable: count(l) })),
  ];
  const frozenParams = layers.reduce((n, l) => n + l.frozen, 0);
  const trainableParams = layers.reduce((n, l) => n + l.trainable, 0);
  return {
    blocks,
    cutLayer: blocks > 0 ? cutLayerName(backbone, blocks) : null,
    layers,
    frozenParams,
    trainableParams,
    optimizerBytes: ADAM_BYTES_PER_PARAM * trainableParams,
    optimizerBytesIfAll: ADAM_BYTES_PER_PARAM * (frozenParams + trainableParams),
  };
}
