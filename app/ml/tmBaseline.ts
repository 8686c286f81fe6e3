import * as tf from '@tensorflow/tfjs';
import type { HeadSettings } from './settings';
import { createHead } from './head';

/**
 * The Teachable-Machine-style training loop, kept only as the benchmark's baseline: embeddings
 * held as JS arrays, a tf.data generator that uploads every example again in every epoch, and
 * `model.fitDataset`. Returns the wall time of each epoch.
 */
export async function trainTeachableMachineStyle(
  embeddings: Float32Array[],
  labels: number[],
  numClasses: number,
  settings: HeadSettings,
): Promise<number[]> {
  const head = createHead(embeddings[0].length, numClasses, settings);
  const optimizer = tf.train.adam(settings.learningRate);
  head.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const order = labels.map((_, i) => i);
  const dataset = tf.data
    .generator(function* () {
      for (const i of order) {
        yield { xs: tf.tensor1d(embeddings[i]), ys: tf.oneHot(labels[i], numClasses) };
      }
    })
    .shuffle(labels.length, String(settings.seed))
    .batch(settings.batchSize);
  const epochMs: number[] = [];
  let started = performance.now();
  try {
    await head.fitDataset(dataset, {
      epochs: settings.epochs,
      verbose: 0,
      callbacks: {
        onEpochBegin: async () => {
          started = performance.now();
        },
        onEpochEnd: async () => {
          epochMs.push(performance.now() - started);
        },
      },
    });
  } finally {
    head.dispose();
    optimizer.dispose();
  }
  return epochMs;
}
