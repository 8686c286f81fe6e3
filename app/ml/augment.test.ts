import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUGMENT_LIMITS, IDENTITY_VIEW, NO_AUGMENT, augmentBatch, viewsOf } from './augment';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A size×size image whose every pixel differs: red is x / (size − 1), green y / (size − 1), blue 0.5. */
const ramp = (size = 8) => {
  const values: number[] = [];
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) values.push(x / (size - 1), y / (size - 1), 0.5);
  return tf.tensor4d(values, [1, size, size, 3]);
};

const ALL = { ...NO_AUGMENT, views: 6 };

describe('augmented views', () => {
  it('leaves the image as it is under the identity view, and mirrors it exactly under a flip', async () => {
    const image = ramp();
    const [same, flipped] = tf.tidy(() => tf.split(augmentBatch(image, [[IDENTITY_VIEW, { ...IDENTITY_VIEW, flip: true }]]), 2));
    expect(Array.from(await same.data())).toEqual(Array.from(await image.data()).map((v) => expect.closeTo(v, 5)));
    const mirror = tf.reverse(image, 2);
    expect(Array.from(await flipped.data())).toEqual(Array.from(await mirror.data()).map((v) => expect.closeTo(v, 5)));
    tf.dispose([image, same, flipped, mirror]);
  });

  it('shows the part of the image a crop names, scaled up', async () => {
    const image = ramp(9);
    // The right half (x from 4.5 to 9 of 9 columns): its middle, column 6.25, lands on the view's column 4.
    const half = { ...IDENTITY_VIEW, cx: 0.75, width: 0.5 };
    const out = augmentBatch(image, [[half]]);
    const red = tf.tidy(() => out.slice([0, 4, 0, 0], [1, 1, 9, 1]).reshape([9]));
    const values = Array.from(await red.data());
    expect(Math.min(...values)).toBeGreaterThan(0.45);
    expect(values[4]).toBeCloseTo(6.25 / 8, 5);
    // Each view column steps half a pixel of the image.
    expect(values[5] - values[4]).toBeCloseTo(0.5 / 8, 5);
    tf.dispose([image, out, red]);
  });

  it('draws the same views for the same seed, different ones for another, within the limits', () => {
    const a = viewsOf('cat.png', ALL);
    expect(viewsOf('cat.png', ALL)).toEqual(a);
    expect(viewsOf('dog.png', ALL)).not.toEqual(a);
    expect(a.filter((v) => v.flip)).toHaveLength(3);
    for (const v of a) {
      expect(v.width * v.height).toBeGreaterThanOrEqual(AUGMENT_LIMITS.minCropArea - 1e-9);
      expect(v.cx - v.width / 2).toBeGreaterThanOrEqual(0);
      expect(v.cx + v.width / 2).toBeLessThanOrEqual(1);
      expect(Math.abs(v.angle)).toBeLessThanOrEqual((AUGMENT_LIMITS.maxDegrees * Math.PI) / 180);
    }
    const noFlip = viewsOf('cat.png', { ...ALL, flip: false, crop: false, rotate: false, colour: false });
    expect(noFlip).toEqual(Array.from({ length: 6 }, () => IDENTITY_VIEW));
  });

  it('keeps values in [0, 1] and frees every intermediate tensor', async () => {
    const images = tf.concat([ramp(), ramp()]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = augmentBatch(images, [viewsOf(1, ALL), viewsOf(2, ALL)]);
    expect(out.shape).toEqual([12, 8, 8, 3]);
    const values = await out.data();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });
});
