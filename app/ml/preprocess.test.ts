import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { centreSquare } from './crop';
import { rgbaToBatch } from './preprocess';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('preprocess', () => {
  it('crops the centred square of landscape and portrait images', () => {
    expect(centreSquare(300, 200)).toEqual({ x: 50, y: 0, width: 200, height: 200 });
    expect(centreSquare(100, 161)).toEqual({ x: 0, y: 30, width: 100, height: 100 });
  });

  it('scales RGB to [0,1] and puts transparent pixels on white', async () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 128]);
    const batch = rgbaToBatch([rgba], 2);
    const values = (await batch.array())[0];
    batch.dispose();
    expect(values[0][0]).toEqual([1, 0, 0]);
    expect(values[0][1]).toEqual([1, 1, 1]);
    expect(values[1][0]).toEqual([0, 0, 1]);
    expect(values[1][1][0]).toBeCloseTo(1 - 128 / 255);
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => rgbaToBatch([new Uint8ClampedArray(16), new Uint8ClampedArray(10)], 2)).toThrow(/expected 16/);
  });
});
