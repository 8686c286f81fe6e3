import * as tf from '@tensorflow/tfjs';

/**
 * One training step of the classifier head, written out by hand instead of taped by autodiff.
 *
 * The head is a stack of Dense layers (relu, …, softmax). Its forward pass and the gradient of the
 * class-weighted cross-entropy are a handful of kernels: with its Adam, a step dispatches 79 kernels
 * where `optimizer.minimize(() => head.apply(...))` dispatched 173 (tf.profile, wasm), and per-kernel
 * dispatch is what a small head's step costs on every backend (`npm run bench`). The gradients are
 * checked against TF.js autodiff in headStep.test.ts.
 */

export interface DenseParams {
  kernel: tf.Variable;
  bias: tf.Variable;
  /** relu for hidden layers; the last layer's logits go into the softmax. */
  relu: boolean;
}

/** The head's Dense layers, in order, as variables (the same objects the optimizer updates). */
export function denseParams(head: tf.LayersModel): DenseParams[] {
  const dense = head.layers.filter((layer) => layer.getClassName() === 'Dense');
  return dense.map((layer, i) => {
    const [kernel, bias] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    if (!kernel || !bias) throw new Error(`head layer ${layer.name} has no kernel and bias`);
    return { kernel, bias, relu: i < dense.length - 1 };
  });
}

export interface StepInput {
  xs: tf.Tensor2D;
  /** Class index of each row (int32). */
  labels: tf.Tensor1D;
  /** Loss weight of each row. */
  weights: tf.Tensor1D;
  numClasses: number;
  /** Label smoothing s: the target is 1 − s on the image's class plus s / numClasses on every class. */
  labelSmoothing: number;
  /** Dropout rate after each hidden layer (0 for none) and the seed of this step's masks. */
  dropout: number;
  seed: number;
}

/** A variable's gradient, as `optimizer.applyGradients` takes it. */
export interface NamedGradient {
  name: string;
  tensor: tf.Tensor;
}

export interface StepResult {
  /** Σ weight · cross-entropy over the batch (the loss is this over the batch size). */
  lossSum: tf.Scalar;
  /** How many rows the head classified right (before this step's update). */
  correct: tf.Scalar;
  /** Gradient of the mean weighted loss for each variable, by name (what `applyGradients` takes). */
  grads: NamedGradient[];
}

/** Forward pass, loss and gradients for one batch. Call inside `tf.tidy`. */
export function headGradients(params: DenseParams[], input: StepInput): StepResult {
  const { xs, labels, weights, numClasses, dropout, labelSmoothing } = input;
  const n = xs.shape[0];
  // The input of each layer, kept for its kernel's gradient; and the dropout mask applied to it.
  const inputs: tf.Tensor2D[] = [];
  const masks: (tf.Tensor2D | null)[] = [];
  let a: tf.Tensor2D = xs;
  params.forEach((p, i) => {
    inputs.push(a);
    // Not tf.fused.matMul: with a bias it measured 2.7× slower than these three kernels on wasm.
    const z = tf.matMul(a, p.kernel as tf.Tensor2D).add(p.bias) as tf.Tensor2D;
    let out = p.relu ? tf.relu(z) : z;
    let mask: tf.Tensor2D | null = null;
    if (p.relu && dropout > 0) {
      const keep = tf.randomUniform(out.shape, 0, 1, 'float32', input.seed + i).greaterEqual(dropout);
      mask = keep.cast('float32').div(1 - dropout) as tf.Tensor2D;
      out = out.mul(mask) as tf.Tensor2D;
    }
    masks.push(mask);
    a = out;
  });
  const logp = tf.logSoftmax(a);
  const onehot = tf.oneHot(labels, numClasses).cast('float32');
  const ys = labelSmoothing > 0 ? onehot.mul(1 - labelSmoothing).add(labelSmoothing / numClasses) : onehot;
  const w = weights.reshape([n, 1]);
  const lossSum = ys.mul(logp).mul(w).sum().neg() as tf.Scalar;
  const correct = a.argMax(1).equal(labels).cast('float32').sum() as tf.Scalar;
  // d(loss)/d(logits) for loss = lossSum / n (softmax − target, as each target row sums to 1).
  let d = tf.exp(logp).sub(ys).mul(w.div(n)) as tf.Tensor2D;
  const grads: NamedGradient[] = [];
  for (let i = params.length - 1; i >= 0; i--) {
    // Explicit transposes: measured several times faster than transposeA/B matMuls on wasm.
    grads.push({ name: params[i].kernel.name, tensor: tf.matMul(inputs[i].transpose(), d) });
    grads.push({ name: params[i].bias.name, tensor: d.sum(0) });
    if (i > 0) {
      // Back through layer i-1's relu (and dropout): its output is inputs[i].
      d = tf.matMul(d, params[i].kernel.transpose()).mul(tf.step(inputs[i])) as tf.Tensor2D;
      const mask = masks[i - 1];
      if (mask) d = d.mul(mask);
    }
  }
  return { lossSum, correct, grads };
}

/**
 * Rows of `features` at `indices`. On wasm gatherND copies whole rows (measured 40× faster
 * than gather's per-element loop); elsewhere gather is the faster kernel.
 */
export function takeRows(features: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  // In a tidy of its own: called outside one, the expanded indices were left behind (2 tensors a fine-tuning run on wasm).
  if (tf.getBackend() === 'wasm') return tf.tidy(() => tf.gatherND(features, indices.expandDims(1)) as tf.Tensor2D);
  return tf.gather(features, indices);
}

/** Variables up to this many values share one moment pair and one update (see Adam). */
const SMALL = 4096;

/**
 * Adam (Kingma & Ba), the update tf.train.adam makes, in 12 elementwise kernels per group of
 * variables. Each large variable is a group of its own; the small ones (biases, the output
 * layer) are laid end to end and updated as one, because on wasm a kernel over a 100-float bias
 * costs about as much as one over the 179,200-float hidden kernel (its dispatch). Not everything is
 * one group: cutting a 180k-float vector back into variables (tf.split) measured 6.8 ms on wasm,
 * seven times the whole update. The moments are the optimizer's whole state: m and v for each
 * trainable parameter, nothing for frozen weights. Checked against tf.train.adam in headStep.test.ts.
 */
export class Adam {
  private readonly groups: { variables: tf.Variable[]; m: tf.Variable; v: tf.Variable }[];
  private t = 0;

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    const small = variables.filter((p) => p.size <= SMALL);
    const members = [...variables.filter((p) => p.size > SMALL).map((p) => [p]), ...(small.length > 0 ? [small] : [])];
    // Inside tidy: the zeros are freed; the variables (never tracked by tidy) keep their own data.
    this.groups = tf.tidy(() =>
      members.map((group) => {
        const size = group.reduce((n, p) => n + p.size, 0);
        return { variables: group, m: tf.variable(tf.zeros([size]), false), v: tf.variable(tf.zeros([size]), false) };
      }),
    );
  }

  /** One update from the gradients, by variable name, at `learningRate` (a schedule's current rate). */
  apply(grads: readonly NamedGradient[], learningRate = this.learningRate): void {
    this.t++;
    const { beta1, beta2 } = this;
    const c1 = 1 - beta1 ** this.t;
    const c2 = Math.sqrt(1 - beta2 ** this.t);
    // lr · m̂ / (√v̂ + ε) with the bias corrections folded into two scalars.
    const step = (learningRate * c2) / c1;
    const epsilon = this.epsilon * c2;
    const byName = new Map(grads.map((g) => [g.name, g.tensor]));
    const flat = (ts: tf.Tensor[]) => (ts.length === 1 ? ts[0].reshape([-1]) : tf.concat(ts.map((x) => x.reshape([-1]))));
    tf.tidy(() => {
      for (const { variables, m, v } of this.groups) {
        const g = flat(
          variables.map((p) => {
            const grad = byName.get(p.name);
            if (!grad) throw new Error(`no gradient for ${p.name}`);
            return grad;
          }),
        );
        m.assign(m.mul(beta1).add(g.mul(1 - beta1)));
        v.assign(v.mul(beta2).add(g.square().mul(1 - beta2)));
        const next = flat(variables).sub(m.div(v.sqrt().add(epsilon)).mul(step));
        const parts = variables.length === 1 ? [next] : tf.split(next, variables.map((p) => p.size));
        variables.forEach((p, i) => p.assign(parts[i].reshape(p.shape)));
      }
    });
  }

  /** The moment tensors: the optimizer's memory. */
  get state(): { variables: number; bytes: number } {
    return { variables: 2 * this.groups.length, bytes: this.groups.reduce((n, { m, v }) => n + (m.size + v.size) * 4, 0) };
  }

  dispose(): void {
    this.groups.forEach(({ m, v }) => tf.dispose([m, v]));
  }
}
