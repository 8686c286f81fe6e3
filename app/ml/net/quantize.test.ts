import { describe, expect, it } from 'vitest';
import { tinyNetwork } from '../testing';
import { tensorShapes, type Network } from './network';
import { dequantizedNetwork, int8Params, quantizeWithRanges, SOFTMAX_OUTPUT, type QuantizedNetwork } from './quantize';
import type { Range } from './run';

/** Made-up calibration ranges, different for every tensor (the mirrored pass's too). */
function ranges(net: Network): Map<string, Range> {
  const out = new Map<string, Range>([[net.input.name, { min: 0, max: 1 }]]);
  net.ops.forEach((op, i) => out.set(op.output, { min: -0.5 - (i % 5) / 10, max: 1 + i / 7 }));
  return out;
}

const dequantized = (q: QuantizedNetwork, name: string, i: number, slice: number) => q.weights[name].data[i] * q.weights[name].scales[slice];

describe('int8Params', () => {
  it('spans the range with 0 exact, and widens a range that leaves out 0', () => {
    expect(int8Params({ min: -1, max: 3 })).toEqual({ scale: 4 / 255, zeroPoint: -128 + Math.round(255 / 4) });
    expect(int8Params({ min: 2, max: 6 })).toEqual({ scale: 6 / 255, zeroPoint: -128 });
    expect(int8Params({ min: 0, max: 0 }).scale).toBeGreaterThan(0);
  });
});

describe('quantizeWithRanges', () => {
  it('input uint8 = the pixel; its int8 form exact; softmax and the average at 1/256, −128', () => {
    const q = quantizeWithRanges(tinyNetwork(true), ranges(tinyNetwork(true)));
    expect(q.input).toEqual({ scale: 1 / 255, zeroPoint: 0 });
    expect(q.activations.image).toEqual({ scale: 1 / 255, zeroPoint: -128 });
    expect(q.activations.image_mirrored).toEqual(q.activations.image);
    expect(q.activations.p_image).toEqual(SOFTMAX_OUTPUT);
    expect(q.activations['m/probabilities']).toEqual(SOFTMAX_OUTPUT);
    expect(q.activations.probabilities).toEqual(SOFTMAX_OUTPUT);
  });

  it('the flip\'s two passes share parameters, from the union of their ranges, so a shared bias has one scale', () => {
    const net = tinyNetwork(true);
    const r = ranges(net);
    const q = quantizeWithRanges(net, r);
    for (const name of ['c1', 'd1', 'p1', 'r1', 'd2', 'pool', 'h1', 'logits']) {
      expect(q.activations[`m/${name}`], name).toEqual(q.activations[name]);
      const union = { min: Math.min(r.get(name)!.min, r.get(`m/${name}`)!.min), max: Math.max(r.get(name)!.max, r.get(`m/${name}`)!.max) };
      expect(q.activations[name], name).toEqual(int8Params(union));
    }
    // Without the flip each tensor has its own range.
    const plain = quantizeWithRanges(tinyNetwork(false), ranges(tinyNetwork(false)));
    expect(plain.activations.c1).toEqual(int8Params(ranges(tinyNetwork(false)).get('c1')!));
  });

  it('weights: conv per output channel, depthwise per channel, dense per tensor, each within half a step; biases int32 at input × weight scale', () => {
    const net = tinyNetwork(false);
    const q = quantizeWithRanges(net, ranges(net));
    const c1 = net.weights['c1/k']; // [3, 3, 3, 8]
    expect(q.weights['c1/k']).toMatchObject({ axis: 3 });
    expect(q.weights['c1/k'].scales).toHaveLength(8);
    c1.data.forEach((v, i) => expect(Math.abs(dequantized(q, 'c1/k', i, i % 8) - v)).toBeLessThanOrEqual(q.weights['c1/k'].scales[i % 8] / 2 + 1e-7));
    // The largest weight of each channel is ±127.
    for (let c = 0; c < 8; c++) expect(Math.max(...Array.from(q.weights['c1/k'].data).filter((_, i) => i % 8 === c).map(Math.abs))).toBe(127);
    expect(q.weights['d1/k']).toMatchObject({ axis: 2 });
    expect(q.weights['d1/k'].scales).toHaveLength(8);
    expect(q.weights['h1/k']).toMatchObject({ axis: -1 });
    expect(q.weights['h1/k'].scales).toHaveLength(1);
    for (const [op, input] of [['c1', 'image'], ['d2', 'r1'], ['h1', 'pool']]) {
      const bias = q.weights[`${op}/b`];
      const kernel = q.weights[`${op}/k`];
      expect(bias.data).toBeInstanceOf(Int32Array);
      bias.scales.forEach((s, c) => expect(s / (q.activations[input].scale * kernel.scales[kernel.scales.length > 1 ? c : 0])).toBeCloseTo(1, 6));
      net.weights[`${op}/b`].data.forEach((v, c) => expect(Math.abs(bias.data[c] * bias.scales[bias.scales.length > 1 ? c : 0] - v)).toBeLessThanOrEqual(bias.scales[0] + 1e-9));
    }
  });

  it('a bias too large for int32 at input × weight scale widens that channel\'s weight scale', () => {
    const net = tinyNetwork(false);
    net.weights['c1/b'] = { shape: [8], data: Float32Array.from([1e6, 0, 0, 0, 0, 0, 0, 0]) };
    const q = quantizeWithRanges(net, ranges(net));
    const bias = q.weights['c1/b'];
    expect(Math.abs(bias.data[0])).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(bias.data[0] * bias.scales[0]).toBeCloseTo(1e6, -2);
  });

  it('names what cannot be quantised: an input no uint8 tensor is, a tensor never measured', () => {
    const net = tinyNetwork(false);
    expect(() => quantizeWithRanges({ ...net, preprocessing: { ...net.preprocessing, scale: 1 / 127.5, offset: -1 } }, ranges(net))).toThrow(
      'network tiny: its input (pixel × 0.00784313725490196 + -1) cannot be a uint8 tensor',
    );
    const partial = ranges(net);
    partial.delete('pool');
    expect(() => quantizeWithRanges(net, partial)).toThrow('no calibration range for tensor "pool"');
    expect(tensorShapes(net).get('pool')).toEqual([1, 8]);
  });
});

describe('dequantizedNetwork', () => {
  it('is the float network with each weight as its int8/int32 value × the scale of its slice', () => {
    const net = tinyNetwork(true);
    const q = quantizeWithRanges(net, ranges(net));
    const d = dequantizedNetwork(q);
    expect(d.ops).toEqual(net.ops);
    expect(d.preprocessing).toEqual(net.preprocessing);
    expect(Object.keys(d.weights).sort()).toEqual(Object.keys(net.weights).sort());
    for (const [name, w] of Object.entries(net.weights)) {
      expect(d.weights[name].shape, name).toEqual(w.shape);
      const qw = q.weights[name];
      w.data.forEach((v, i) => {
        // Kernels [.., out] per output channel (conv: last axis; depthwise [kh, kw, c, 1]: c is also the last
        // non-unit axis), dense per tensor, biases per channel or per tensor.
        const slice = qw.scales.length === 1 ? 0 : i % qw.scales.length;
        expect(d.weights[name].data[i]).toBeCloseTo(qw.data[i] * qw.scales[slice], 6);
        expect(Math.abs(d.weights[name].data[i] - v), name).toBeLessThanOrEqual(qw.scales[slice] / 2 + 1e-6);
      });
    }
  });
});
