import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyNetwork } from '../testing';
import { calibrationSet, int8ExportBytes, peakActivationBytes, weightBytes } from './calibration';
import { networkRunner } from './run';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('calibrationSet', () => {
  it('takes the classes in turn, every image before any view, up to the limit', () => {
    const byClass = [['a1', 'a2', 'a3'], ['b1'], ['c1', 'c2']];
    expect(calibrationSet(byClass, 0)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3'].map((id) => ({ id, view: -1 })));
    expect(calibrationSet(byClass, 2, 9).map((i) => `${i.id}:${i.view}`)).toEqual(['a1:-1', 'b1:-1', 'c1:-1', 'a2:-1', 'c2:-1', 'a3:-1', 'a1:0', 'b1:0', 'c1:0']);
    expect(calibrationSet(byClass, 1, 4).map((i) => i.id)).toEqual(['a1', 'b1', 'c1', 'a2']);
    expect(calibrationSet(byClass, 1)).toHaveLength(12);
    expect(calibrationSet([[], []], 3)).toEqual([]);
  });
});

describe('peakActivationBytes', () => {
  it.each([false, true])('is at least what the TF.js runner holds at any point of a run (flip %s), within 3×', async (flip) => {
    const net = tinyNetwork(flip);
    const runner = networkRunner(net);
    const input = tf.randomUniform([1, 16, 16, 3]) as tf.Tensor4D;
    const base = tf.memory().numBytes;
    let out: tf.Tensor | undefined;
    // tf.profile's peak counts every tensor alive at once, inside each op's tidy too.
    const { peakBytes } = await tf.profile(() => {
      out = runner.run(input);
      return out;
    });
    const peak = peakBytes - base;
    tf.dispose([out!, input]);
    runner.dispose();
    // The input is the caller's, counted in the estimate but not above `base`.
    const estimate = peakActivationBytes(net) - 16 * 16 * 3 * 4;
    expect(estimate).toBeGreaterThanOrEqual(peak);
    expect(estimate).toBeLessThan(3 * peak);
  });
});

describe('int8ExportBytes', () => {
  it('grows with the batch by the widest activations and the inputs, and is at least the weights kept three times over', () => {
    const net = tinyNetwork(true);
    const w = weightBytes(net);
    expect(w).toBe(Object.values(net.weights).reduce((s, x) => s + x.data.length * 4, 0));
    const one = int8ExportBytes(net, 1);
    const two = int8ExportBytes(net, 2);
    expect(one).toBeGreaterThanOrEqual(3.5 * w);
    expect(int8ExportBytes(net, 100) - int8ExportBytes(net, 99)).toBe(peakActivationBytes(net) + 2 * 16 * 16 * 3 * 4);
    expect(two).toBeGreaterThanOrEqual(one);
  });
});
