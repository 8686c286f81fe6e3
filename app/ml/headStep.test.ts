import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHead } from './head';
import { Adam, denseParams, headGradients, takeRows } from './headStep';
import { DEFAULT_HEAD_SETTINGS } from './settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * The same loss through TF.js autodiff: mean over rows of weight · cross-entropy of the head's softmax
 * against the (smoothed) targets, through the head's own Dense layers, with the step's dropout masks
 * (drawn from the same seeds) after each hidden layer.
 */
function autodiff(head: tf.LayersModel, xs: tf.Tensor2D, labels: number[], weights: number[], numClasses: number, smoothing = 0, dropout = 0, seed = 0) {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).cast('float32');
    const ys = onehot.mul(1 - smoothing).add(smoothing / numClasses);
    const dense = head.layers.filter((layer) => layer.getClassName() === 'Dense');
    const { value, grads } = tf.variableGrads(() => {
      let a = xs as tf.Tensor;
      dense.forEach((layer, i) => {
        a = layer.apply(a) as tf.Tensor;
        if (i < dense.length - 1 && dropout > 0) {
          a = a.mul(tf.randomUniform(a.shape, 0, 1, 'float32', seed + i).greaterEqual(dropout).cast('float32').div(1 - dropout));
        }
      });
      return ys.mul(a.log()).sum(1).mul(tf.tensor1d(weights)).mean().neg() as tf.Scalar;
    });
    return { value: tf.keep(value), grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.keep(g)])) };
  });
}

describe('hand-written head step', () => {
  const cases = [
    { hiddenUnits: 6, labelSmoothing: 0, dropout: 0 },
    { hiddenUnits: 0, labelSmoothing: 0, dropout: 0 },
    { hiddenUnits: 6, labelSmoothing: 0.1, dropout: 0 },
    { hiddenUnits: 0, labelSmoothing: 0.3, dropout: 0 },
    { hiddenUnits: 6, labelSmoothing: 0, dropout: 0.5 },
    { hiddenUnits: 6, labelSmoothing: 0.1, dropout: 0.3 },
  ];
  for (const { hiddenUnits, labelSmoothing, dropout } of cases) {
    it(`matches autodiff's loss and gradients (hidden units ${hiddenUnits}, label smoothing ${labelSmoothing}, dropout ${dropout})`, async () => {
      const numClasses = 3;
      const seed = 11;
      const head = createHead(5, numClasses, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits, dropout, seed: 4 });
      const xs = tf.randomNormal([7, 5], 0, 1, 'float32', 9) as tf.Tensor2D;
      const labels = [0, 1, 2, 2, 1, 0, 2];
      const weights = [1, 0.5, 2, 2, 0.5, 1, 2];
      const expected = autodiff(head, xs, labels, weights, numClasses, labelSmoothing, dropout, seed);
      const got = tf.tidy(() => {
        const r = headGradients(denseParams(head), {
          xs,
          labels: tf.tensor1d(labels, 'int32'),
          weights: tf.tensor1d(weights),
          numClasses,
          labelSmoothing,
          dropout,
          seed,
        });
        return { loss: r.lossSum.div(labels.length), correct: r.correct, grads: Object.fromEntries(r.grads.map((g) => [g.name, g.tensor])) as Record<string, tf.Tensor> };
      });
      expect(Object.keys(got.grads).sort()).toEqual(Object.keys(expected.grads).sort());
      expect((await got.loss.data())[0]).toBeCloseTo((await expected.value.data())[0], 5);
      for (const [name, g] of Object.entries(expected.grads)) {
        const want = await g.data();
        const have = await got.grads[name].data();
        expect(have.length).toBe(want.length);
        have.forEach((x, i) => expect(x).toBeCloseTo(want[i], 5));
      }
      if (dropout === 0) {
        const predicted = (await (head.predict(xs) as tf.Tensor2D).argMax(1).data()) as Int32Array;
        expect((await got.correct.data())[0]).toBe(labels.filter((l, i) => predicted[i] === l).length);
      }
      tf.dispose([xs, expected.value, got.loss, got.correct, ...Object.values(expected.grads), ...Object.values(got.grads)]);
      head.dispose();
    });
  }

  it('drops hidden units: a dropped unit passes no gradient to its incoming weights', async () => {
    const head = createHead(4, 2, { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 32, dropout: 0.5, seed: 2 });
    const [hidden] = denseParams(head);
    const grads = tf.tidy(() =>
      headGradients(denseParams(head), {
        xs: tf.randomNormal([1, 4], 0, 1, 'float32', 3) as tf.Tensor2D,
        labels: tf.tensor1d([1], 'int32'),
        weights: tf.tensor1d([1]),
        numClasses: 2,
        labelSmoothing: 0,
        dropout: 0.5,
        seed: 11,
      }).grads.find((g) => g.name === hidden.bias.name)!.tensor,
    );
    const values = Array.from(await grads.data());
    // With one row, a unit's bias gradient is zero exactly when it was dropped or inactive.
    const zero = values.filter((v) => v === 0).length;
    expect(zero).toBeGreaterThan(0);
    expect(zero).toBeLessThan(values.length);
    grads.dispose();
    head.dispose();
  });

  it('takes the rows asked for', async () => {
    const features = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const rows = tf.tidy(() => takeRows(features, tf.tensor1d([2, 0, 2], 'int32')));
    expect(await rows.array()).toEqual([[5, 6], [1, 2], [5, 6]]);
    tf.dispose([features, rows]);
  });

  it("Adam makes tf.train.adam's updates, and keeps two moments per trainable parameter as its state", async () => {
    // A variable over 4,096 values is updated on its own; the two small ones together.
    const big = Array.from({ length: 70 * 70 }, (_, i) => Math.sin(i));
    const make = () => [tf.variable(tf.tensor2d([[0.5, -1], [2, 0.1]])), tf.variable(tf.tensor2d(big, [70, 70])), tf.variable(tf.tensor1d([0.3, -0.2]))];
    const ours = make();
    const theirs = make();
    const adam = new Adam(ours, 0.01);
    const reference = tf.train.adam(0.01);
    for (let step = 0; step < 3; step++) {
      const g = [tf.tensor2d([[0.1 * step, -0.4], [1.5, 0.02]]), tf.tensor2d(big.map((x) => x * (step - 1)), [70, 70]), tf.tensor1d([-0.3, 0.7 / (step + 1)])];
      adam.apply(ours.map((v, i) => ({ name: v.name, tensor: g[i] })));
      reference.applyGradients(theirs.map((v, i) => ({ name: v.name, tensor: g[i] })));
      tf.dispose(g);
    }
    for (let i = 0; i < ours.length; i++) {
      const want = await theirs[i].data();
      (await ours[i].data()).forEach((x, j) => expect(x).toBeCloseTo(want[j], 6));
    }
    expect(adam.state).toEqual({ variables: 4, bytes: 2 * 4 * (6 + 4900) });
    adam.dispose();
    reference.dispose();
    tf.dispose([...ours, ...theirs]);
  });
});
