import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { centreSquare, rgbaToPixels } from './imageInput';
import { pixelsToBatch } from './preprocess';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('preprocess', () => {
  it('crops the centred square of landscape and portrait images', () => {
    expect(centreSquare(300, 200)).toEqual({ x: 50, y: 0, width: 200, height: 200 });
    expect(centreSquare(100, 161)).toEqual({ x: 0, y: 30, width: 100, height: 100 });
  });

  it('scales RGB to [0,1] and puts transparent pixels on white', () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 128]);
    const pixels = Array.from(rgbaToPixels(rgba, 2));
    expect(pixels.slice(0, 9)).toEqual([1, 0, 0, 1, 1, 1, 0, 0, 1]);
    expect(pixels[9]).toBeCloseTo(1 - 128 / 255);
  });

  it('stacks prepared images into one batch, in order', async () => {
    const red = rgbaToPixels(new Uint8ClampedArray([255, 0, 0, 255]), 1);
    const blue = rgbaToPixels(new Uint8ClampedArray([0, 0, 255, 255]), 1);
    const batch = pixelsToBatch([red, blue], 1);
    expect(batch.shape).toEqual([2, 1, 1, 3]);
    expect(await batch.array()).toEqual([[[[1, 0, 0]]], [[[0, 0, 1]]]]);
    batch.dispose();
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => rgbaToPixels(new Uint8ClampedArray(10), 2)).toThrow(/expected 16/);
    expect(() => pixelsToBatch([new Float32Array(12), new Float32Array(10)], 2)).toThrow(/expected 12/);
  });
});
