import * as tf from '@tensorflow/tfjs';

/**
 * Images prepared by `rgbaToPixels` (RGB floats of size×size) → one batch [n, size, size, 3]: a
 * copy into one buffer, a small fraction of the conversion itself.
 */
export function pixelsToBatch(images: readonly Float32Array[], size: number): tf.Tensor4D {
  const each = size * size * 3;
  const bad = images.find((p) => p.length !== each);
  if (bad) throw new Error(`expected ${each} RGB values per image, got ${bad.length}`);
  const out = images.length === 1 ? images[0] : new Float32Array(images.length * each);
  if (images.length > 1) images.forEach((p, i) => out.set(p, i * each));
  return tf.tensor4d(out, [images.length, size, size, 3]);
}
