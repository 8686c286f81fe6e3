/**
 * A `Network` run by TF.js, op by op, on the active backend: the reference every format writer is checked
 * against, and the way to look at every tensor it computes (calibration ranges for int8).
 * Each intermediate tensor is disposed as soon as its last reader has run, so a batch needs the memory of
 * the widest layers, not of every layer.
 */
import * as tf from '@tensorflow/tfjs';
import { opInputs, type NetOp, type Network } from './network';

export interface NetworkRunner {
  /** Class probabilities [n, classes] for inputs [n, size, size, 3] (pixel × scale + offset). The input stays the caller's. */
  run(input: tf.Tensor4D): tf.Tensor2D;
  /** Same, calling `observe` with each tensor as it is computed (the input first); it is disposed once its readers have run. */
  run(input: tf.Tensor4D, observe: (name: string, value: tf.Tensor) => void): tf.Tensor2D;
  /** Frees the weights uploaded by `networkRunner`. */
  dispose(): void;
}

export interface Range {
  min: number;
  max: number;
}

function apply(op: NetOp, x: tf.Tensor[], w: Record<string, tf.Tensor>): tf.Tensor {
  switch (op.op) {
    case 'conv2d':
    case 'depthwiseConv2d': {
      const input = x[0] as tf.Tensor4D;
      const kernel = w[op.kernel] as tf.Tensor4D;
      const conv = op.op === 'conv2d' ? tf.conv2d(input, kernel, op.strides, op.padding) : tf.depthwiseConv2d(input, kernel, op.strides, op.padding);
      const biased = tf.add(conv, w[op.bias]);
      return op.activation === 'relu6' ? tf.relu6(biased) : biased;
    }
    case 'add':
      return tf.add(x[0], x[1]);
    case 'globalAveragePool':
      return tf.mean(x[0], [1, 2]);
    case 'dense': {
      const out = tf.add(tf.matMul(x[0] as tf.Tensor2D, w[op.kernel] as tf.Tensor2D), w[op.bias]);
      return op.activation === 'relu' ? tf.relu(out) : out;
    }
    case 'softmax':
      return tf.softmax(x[0]);
    case 'mirror':
      return tf.reverse(x[0], 2);
    case 'average':
      return tf.div(tf.addN(x), x.length);
  }
}

/** How many ops read each tensor (the output counts as one more reader, so it is never disposed). */
function readerCounts(net: Network): Map<string, number> {
  const counts = new Map<string, number>([[net.output, 1]]);
  for (const op of net.ops) for (const name of opInputs(op)) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

export interface RunnerOptions {
  /**
   * Applied to the input and to each op's output before anything reads it (the observer included): a
   * tensor in, the tensor the network goes on with out (e.g. rounded to an int8 grid: fake quantisation).
   * Runs inside a tidy; when it returns a new tensor, the runner disposes the one it was given (never the
   * caller's input).
   */
  transform?: (name: string, value: tf.Tensor) => tf.Tensor;
}

/** The network's weights uploaded once, to run many batches with. */
export function networkRunner(net: Network, options: RunnerOptions = {}): NetworkRunner {
  const weights = Object.fromEntries(Object.entries(net.weights).map(([name, w]) => [name, tf.tensor(w.data, w.shape, 'float32')]));
  const size = net.input.shape[1];
  const transform = options.transform;
  function run(input: tf.Tensor4D, observe?: (name: string, value: tf.Tensor) => void): tf.Tensor2D {
    if (input.rank !== 4 || input.shape[1] !== size || input.shape[2] !== net.input.shape[2] || input.shape[3] !== net.input.shape[3]) {
      throw new Error(`network ${net.name} takes [n, ${net.input.shape.slice(1).join(', ')}], not [${input.shape.join(', ')}]`);
    }
    const remaining = readerCounts(net);
    const live = new Map<string, tf.Tensor>();
    /** What the runner made (everything but the caller's input): disposed after its last reader, or on an error. */
    const owned = new Set<tf.Tensor>();
    const transformed = (name: string, value: tf.Tensor): tf.Tensor => {
      const out = transform ? tf.tidy(() => transform(name, value)) : value;
      if (out !== value && value !== input) value.dispose();
      if (out !== input) owned.add(out);
      return out;
    };
    try {
      live.set(net.input.name, transformed(net.input.name, input));
      observe?.(net.input.name, live.get(net.input.name)!);
      for (const op of net.ops) {
        const names = opInputs(op);
        const inputs = names.map((name) => {
          const t = live.get(name);
          if (!t) throw new Error(`network ${net.name}: tensor "${name}" is read before it is written`);
          return t;
        });
        const out = transformed(op.output, tf.tidy(() => apply(op, inputs, weights)));
        observe?.(op.output, out);
        if (remaining.has(op.output)) live.set(op.output, out);
        else if (owned.delete(out)) out.dispose(); // read by nothing
        for (const name of names) {
          const left = remaining.get(name)! - 1;
          remaining.set(name, left);
          if (left === 0) {
            const t = live.get(name)!;
            live.delete(name);
            if (owned.delete(t)) t.dispose();
          }
        }
      }
      const output = live.get(net.output);
      if (!output) throw new Error(`network ${net.name}: no op writes its output "${net.output}"`);
      owned.delete(output);
      return output as tf.Tensor2D;
    } finally {
      tf.dispose([...owned]);
    }
  }
  return { run, dispose: () => tf.dispose(Object.values(weights)) };
}

/** Class probabilities [n, classes] for inputs [n, size, size, 3]: the weights uploaded, the batch run, the weights freed. */
export function runNetwork(net: Network, input: tf.Tensor4D): tf.Tensor2D {
  const runner = networkRunner(net);
  try {
    return runner.run(input);
  } finally {
    runner.dispose();
  }
}

/**
 * Every tensor's smallest and largest value over all the batches (the input's included), by name: what
 * int8 calibration needs. One read-back per batch.
 */
export async function tensorRanges(net: Network, batches: Iterable<tf.Tensor4D> | AsyncIterable<tf.Tensor4D>): Promise<Map<string, Range>> {
  const runner = networkRunner(net);
  const ranges = new Map<string, Range>();
  try {
    for await (const batch of batches) {
      const names: string[] = [];
      const extremes: tf.Tensor[] = [];
      let values: Float32Array;
      try {
        const out = runner.run(batch, (name, value) => {
          names.push(name);
          extremes.push(tf.tidy(() => tf.stack([tf.min(value), tf.max(value)])));
        });
        out.dispose();
        const all = tf.concat(extremes);
        values = (await all.data()) as Float32Array;
        all.dispose();
      } finally {
        tf.dispose(extremes);
      }
      names.forEach((name, i) => {
        const [min, max] = [values[2 * i], values[2 * i + 1]];
        const seen = ranges.get(name);
        ranges.set(name, seen ? { min: Math.min(seen.min, min), max: Math.max(seen.max, max) } : { min, max });
      });
    }
  } finally {
    runner.dispose();
  }
  return ranges;
}
