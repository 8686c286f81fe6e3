import * as tf from '@tensorflow/tfjs';
import { seededRandom } from './random';

/**
 * Augmented views: each image is also shown to the backbone K more times, changed the way a camera,
 * a hand or an artist would change it, and those embeddings are cached beside the original's, so a
 * head learns to ignore framing, pose and colour without the backbone running during training.
 */
export interface AugmentSettings {
  /** Augmented views per image (0 = none). */
  views: number;
  /** Mirror left-right in half of the views (switch off where left and right differ, e.g. arrows). */
  flip: boolean;
  /** A random part of the image (40–100% of its area, aspect 3:4 to 4:3) scaled to the full input. */
  crop: boolean;
  /** Turned by up to ±15°, the corners filled by reflection. */
  rotate: boolean;
  /** Brightness ±0.2, contrast and saturation ×0.6–1.4. */
  colour: boolean;
}

export const NO_AUGMENT: AugmentSettings = { views: 0, flip: true, crop: true, rotate: true, colour: true };

export const AUGMENT_LIMITS = { maxViews: 16, minCropArea: 0.4, maxAspect: 4 / 3, maxDegrees: 15, brightness: 0.2, contrast: 0.4, saturation: 0.4 } as const;

/** How one view changes its image: pure numbers, drawn by `drawView`. */
export interface ViewParams {
  flip: boolean;
  /** The part shown, as fractions of the side: centre and size (1 = the whole side). */
  cx: number;
  cy: number;
  width: number;
  height: number;
  /** Turn in radians. */
  angle: number;
  brightness: number;
  contrast: number;
  saturation: number;
}

export const IDENTITY_VIEW: ViewParams = { flip: false, cx: 0.5, cy: 0.5, width: 1, height: 1, angle: 0, brightness: 0, contrast: 1, saturation: 1 };

/** One view's parameters drawn from `random` (kinds switched off keep the identity's values). */
export function drawView(random: () => number, settings: AugmentSettings, index: number): ViewParams {
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const view = { ...IDENTITY_VIEW };
  // Every second view is mirrored, so K views hold both sides equally whatever the draws.
  view.flip = settings.flip && index % 2 === 1;
  if (settings.crop) {
    const area = uniform(AUGMENT_LIMITS.minCropArea, 1);
    const aspect = Math.exp(uniform(-Math.log(AUGMENT_LIMITS.maxAspect), Math.log(AUGMENT_LIMITS.maxAspect)));
    view.width = Math.min(1, Math.sqrt(area * aspect));
    view.height = Math.min(1, Math.sqrt(area / aspect));
    view.cx = uniform(view.width / 2, 1 - view.width / 2);
    view.cy = uniform(view.height / 2, 1 - view.height / 2);
  }
  if (settings.rotate) view.angle = (uniform(-1, 1) * AUGMENT_LIMITS.maxDegrees * Math.PI) / 180;
  if (settings.colour) {
    view.brightness = uniform(-AUGMENT_LIMITS.brightness, AUGMENT_LIMITS.brightness);
    view.contrast = uniform(1 - AUGMENT_LIMITS.contrast, 1 + AUGMENT_LIMITS.contrast);
    view.saturation = uniform(1 - AUGMENT_LIMITS.saturation, 1 + AUGMENT_LIMITS.saturation);
  }
  return view;
}

/**
 * The K views of an image, drawn from a seed of its own (its content hash, in the app), so the same
 * image always gets the same views, whatever else is in the project or in which order it came.
 */
export function viewsOf(seed: string | number, settings: AugmentSettings): ViewParams[] {
  const random = seededRandom(typeof seed === 'number' ? seed : hashSeed(seed));
  return Array.from({ length: settings.views }, (_, i) => drawView(random, settings, i));
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The projective transform (tf.image.transform's 8 numbers) that maps each output pixel of a
 * size×size view to where it comes from in the size×size image: the view's part, turned and mirrored.
 */
export function viewTransform(view: ViewParams, size: number): number[] {
  const cos = Math.cos(view.angle);
  const sin = Math.sin(view.angle);
  // One output pixel step covers `width` input pixels (the part is scaled up to the whole side).
  const sx = (view.flip ? -1 : 1) * view.width;
  const sy = view.height;
  const a0 = cos * sx;
  const a1 = -sin * sy;
  const b0 = sin * sx;
  const b1 = cos * sy;
  const mid = (size - 1) / 2;
  const cx = view.cx * size - 0.5;
  const cy = view.cy * size - 0.5;
  return [a0, a1, cx - (a0 + a1) * mid, b0, b1, cy - (b0 + b1) * mid, 0, 0];
}

/**
 * Images [n, size, size, 3] in [0, 1] → their views [n·K, size, size, 3]: image i's views are rows
 * i·K … i·K + K − 1, `views[i][k]` giving each. Geometry by a projective transform, colour by
 * broadcasting; runs on the backend (wasm and WebGPU both have the kernels).
 */
export function augmentBatch(images: tf.Tensor4D, views: readonly (readonly ViewParams[])[], fill: 'reflect' | 'nearest' = 'reflect'): tf.Tensor4D {
  const [n, size] = images.shape;
  if (views.length !== n) throw new Error(`expected views for ${n} images, got ${views.length}`);
  const k = views[0]?.length ?? 0;
  if (views.some((v) => v.length !== k)) throw new Error('every image needs the same number of views');
  return tf.tidy(() => {
    const flat = views.flat();
    // One image per call: TF.js's CPU kernel (4.22) fills every image after the first of a batch
    // with zeros (the wasm and WebGPU kernels do not); the cost is a few kernel launches.
    const moved = tf.concat(
      flat.map((v, j) => tf.image.transform(images.slice(Math.floor(j / k), 1), tf.tensor2d([viewTransform(v, size)]), 'bilinear', fill)),
    );
    const column = (pick: (v: ViewParams) => number) => tf.tensor4d(flat.map(pick), [flat.length, 1, 1, 1]);
    const grey = moved.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(3, true);
    const saturated = grey.add(moved.sub(grey).mul(column((v) => v.saturation)));
    const mean = saturated.mean([1, 2, 3], true);
    const contrasted = mean.add(saturated.sub(mean).mul(column((v) => v.contrast)));
    return contrasted.add(column((v) => v.brightness)).clipByValue(0, 1) as tf.Tensor4D;
  });
}

/**
 * The images shown smaller, with a margin of `margin` × their side on every edge filled with the
 * colour of their border (an object that fills its picture, framed as a photo would frame it).
 */
export function withMargin(images: tf.Tensor4D, margin: number): tf.Tensor4D {
  const side = 1 + 2 * margin;
  const view = { ...IDENTITY_VIEW, width: side, height: side };
  return augmentBatch(images, Array.from({ length: images.shape[0] }, () => [view]), 'nearest');
}
