import * as tf from '@tensorflow/tfjs';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The largest centred square of a width×height image (what the backbone sees, as in Teachable Machine). */
export function centreSquare(width: number, height: number): Rect {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), width: side, height: side };
}

/**
 * RGBA bytes (as from ImageData) of `count` square images of side `size`, concatenated,
 * → float batch [count, size, size, 3] in [0, 1]. Transparent pixels are composited on white,
 * so icons and drawings with alpha look as a person sees them.
 */
export function rgbaToBatch(rgba: Uint8ClampedArray | Uint8Array, count: number, size: number): tf.Tensor4D {
  const expected = count * size * size * 4;
  if (rgba.length !== expected) throw new Error(`expected ${expected} RGBA bytes, got ${rgba.length}`);
  return tf.tidy(() => {
    const pixels = tf.tensor4d(Int32Array.from(rgba), [count, size, size, 4]).toFloat().div(255);
    const [rgb, alpha] = tf.split(pixels, [3, 1], 3);
    return rgb.mul(alpha).add(tf.scalar(1).sub(alpha)) as tf.Tensor4D;
  });
}
