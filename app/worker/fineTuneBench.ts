/**
 * `npm run bench`: fine-tuning the default backbone's last blocks on the active backend: step time on
 * cached cut-point activations for N = 1, 2, 3, the cut cache's bytes per image, and the memory claim
 * in numbers (frozen/trainable parameters, Adam's state for the filtered variables vs every variable).
 */
import * as tf from '@tensorflow/tfjs';
import { copyBlocks, cutBytesPerImage, disposeBlocks, MAX_ADAPT_BLOCKS } from '../ml/blocks';
import { createFineTuner, DEFAULT_FINE_TUNE_SETTINGS } from '../ml/fineTune';
import { memoryReport, type MemoryReport } from '../ml/fineTuneMemory';
import { createHead } from '../ml/head';
import { DEFAULT_HEAD_SETTINGS } from '../ml/settings';

export interface FineTuneBenchRow extends Omit<MemoryReport, 'layers'> {
  /** Median ms of a training step (batch `batch`) on cached cut activations; null for head only. */
  stepMs: number | null;
  cutBytesPerImage: number | null;
  /** The optimizer's measured state (its moment tensors), to set beside the computed optimizerBytes. */
  measuredOptimizerBytes: number | null;
}

export interface FineTuneBench {
  backbone: string;
  batch: number;
  rows: FineTuneBenchRow[];
  /** Per-layer parameters with the most blocks the bench measures (3) adapted. */
  layers: MemoryReport['layers'];
}

export async function fineTuneBench(modelUrl: string | tf.io.IOHandler, batch: number, steps: number): Promise<FineTuneBench> {
  const model = await tf.loadLayersModel(modelUrl);
  const head = createHead(1792, 5, DEFAULT_HEAD_SETTINGS);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 5), 'int32');
  const weights = tf.ones([batch]) as tf.Tensor1D;
  const rows: FineTuneBenchRow[] = [];
  let layers: MemoryReport['layers'] = [];
  try {
    // The 7×7 blocks the bench's table reports (deeper cuts run at 14×14: minutes a step on the CPU bench).
    for (let blocks = 0; blocks <= Math.min(3, MAX_ADAPT_BLOCKS); blocks++) {
      const { layers: perLayer, ...report } = memoryReport(model, blocks, head);
      layers = perLayer;
      if (blocks === 0) {
        rows.push({ ...report, stepMs: null, cutBytesPerImage: null, measuredOptimizerBytes: null });
        continue;
      }
      const adapted = copyBlocks(model, blocks);
      const tuner = createFineTuner(adapted, head, 5, DEFAULT_FINE_TUNE_SETTINGS);
      const cut = tf.randomNormal([batch, cutBytesPerImage(adapted) / 4], 0, 1, 'float32', blocks) as tf.Tensor2D;
      const times: number[] = [];
      try {
        for (let i = 0; i <= steps; i++) {
          const started = performance.now();
          const loss = tuner.step(cut, labels, weights);
          await loss.data();
          loss.dispose();
          if (i > 0) times.push(performance.now() - started); // the first compiles / warms up
        }
        times.sort((a, b) => a - b);
        rows.push({ ...report, stepMs: times[Math.floor((times.length - 1) / 2)], cutBytesPerImage: cutBytesPerImage(adapted), measuredOptimizerBytes: tuner.state.bytes });
      } finally {
        tuner.dispose();
        cut.dispose();
        disposeBlocks(adapted);
      }
    }
    return { backbone: 'mobilenet_v2_140_layers', batch, rows, layers };
  } finally {
    tf.dispose([labels, weights]);
    head.dispose();
    model.dispose();
  }
}
