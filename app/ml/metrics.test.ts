import { describe, expect, it } from 'vitest';
import { argmaxRows, computeMetrics, thresholdFromMeasured, wilsonInterval, type MeasuredImage } from './metrics';
import { seededRandom, stratifiedSplit } from './random';

describe('computeMetrics', () => {
  it('gives accuracy, balanced accuracy, per-class recall and the confusion matrix', () => {
    const m = computeMetrics([0, 0, 0, 0, 1, 2], [0, 0, 0, 1, 1, 0], 3);
    expect(m.accuracy).toBeCloseTo(4 / 6);
    expect(m.perClass).toEqual([0.75, 1, 0]);
    expect(m.balancedAccuracy).toBeCloseTo((0.75 + 1 + 0) / 3);
    expect(m.confusion).toEqual([[3, 1, 0], [0, 1, 0], [1, 0, 0]]);
  });

  it('leaves classes without examples out of balanced accuracy', () => {
    const m = computeMetrics([0, 0], [0, 1], 2);
    expect(m.perClass).toEqual([0.5, null]);
    expect(m.balancedAccuracy).toBe(0.5);
  });

  it('finds the best column of each row', () => {
    expect(argmaxRows([0.1, 0.7, 0.2, 0.9, 0.05, 0.05], 3)).toEqual([1, 0]);
  });
});

describe('wilsonInterval', () => {
  it('gives the 95% range of a small held-out count (4 of 6 right is about 30% to 90%)', () => {
    const r = wilsonInterval(4, 6);
    expect(r?.low).toBeCloseTo(0.3, 2);
    expect(r?.high).toBeCloseTo(0.903, 2);
  });

  it('stays inside 0–1 and narrows as the count grows', () => {
    expect(wilsonInterval(6, 6)?.high).toBeCloseTo(1, 10);
    expect(wilsonInterval(0, 6)?.low).toBeCloseTo(0, 10);
    const small = wilsonInterval(8, 10);
    const large = wilsonInterval(800, 1000);
    expect(large && small && large.high - large.low < small.high - small.low).toBe(true);
    expect(large?.low).toBeLessThan(0.8);
    expect(large?.high).toBeGreaterThan(0.8);
  });

  it('has nothing to say about zero images', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});

describe('thresholdFromMeasured', () => {
  const image = (truth: number, predicted: number, confidence: number): MeasuredImage => ({ sampleId: `s${confidence}`, truth, predicted, confidence });

  it('puts the threshold just above the most confident mistake, so every mistake would say "not sure"', () => {
    const t = thresholdFromMeasured([image(0, 0, 0.97), image(1, 0, 0.62), image(1, 1, 0.9), image(0, 1, 0.41)]);
    expect(t).toBeCloseTo(0.65, 10);
    expect(t).toBeGreaterThan(0.62);
  });

  it('with no mistakes, lets every right answer through (at most 50%)', () => {
    expect(thresholdFromMeasured([image(0, 0, 0.97), image(1, 1, 0.43)])).toBeCloseTo(0.4, 10);
    expect(thresholdFromMeasured([image(0, 0, 0.99), image(1, 1, 0.98)])).toBeCloseTo(0.5, 10);
  });

  it('never asks for more than 95%, and has nothing to say without images', () => {
    expect(thresholdFromMeasured([image(0, 1, 0.999)])).toBeCloseTo(0.95, 10);
    expect(thresholdFromMeasured([])).toBeNull();
  });
});

describe('stratifiedSplit', () => {
  it('holds out about the fraction of each class, never a whole class', () => {
    const labels = [...new Array(20).fill(0), ...new Array(10).fill(1), 2, 2];
    const { train, validation } = stratifiedSplit(labels, 0.2, seededRandom(1));
    const count = (set: number[], c: number) => set.filter((i) => labels[i] === c).length;
    expect(count(validation, 0)).toBe(4);
    expect(count(validation, 1)).toBe(2);
    expect(count(validation, 2)).toBe(0);
    expect(count(train, 2)).toBe(2);
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
  });

  it('holds nothing out when the fraction is 0', () => {
    const labels = new Array(20).fill(0).map((_, i) => i % 2);
    expect(stratifiedSplit(labels, 0, seededRandom(1)).validation).toEqual([]);
  });

  it('is reproducible for a seed', () => {
    const labels = new Array(50).fill(0).map((_, i) => i % 3);
    expect(stratifiedSplit(labels, 0.15, seededRandom(4))).toEqual(stratifiedSplit(labels, 0.15, seededRandom(4)));
  });
});
