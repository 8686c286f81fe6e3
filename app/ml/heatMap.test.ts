import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone, type Backbone } from './backbone';
import { BACKBONES, DEFAULT_BACKBONE_ID } from './backbones';
import { createHead, trainHead } from './head';
import { contrastive, explain, gradCam, logitGradients } from './heatMap';
import { rgbaToPixels } from './imageInput';
import { DEFAULT_HEAD_SETTINGS } from './settings';
import { diskModel } from './testing';

beforeAll(async () => {
  // wasm, the backend the app predicts on without a GPU (no convolution gradients there: none are needed).
  setWasmPaths(join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
});

const headSettings = { ...DEFAULT_HEAD_SETTINGS, hiddenUnits: 6 };

describe('logitGradients', () => {
  it.each([6, 0])('is the gradient of each class score for a head with %i hidden units (checked against TF.js autodiff of the head itself)', (hiddenUnits) => {
    const head = createHead(5, 3, { ...headSettings, hiddenUnits });
    const features = tf.randomNormal([2, 5], 0, 1, 'float32', 4) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const [ours, probs] = tf.tidy(() => [logitGradients(head, features).arraySync(), (head.predict(features) as tf.Tensor2D).arraySync()]);
    expect(tf.memory().numTensors).toBe(before);
    // The head ends in a softmax: ∂ log p_c/∂f = ∂z_c/∂f − Σ_j p_j ∂z_j/∂f, which autodiff gives from the head as it is.
    for (let c = 0; c < 3; c++) {
      const auto = tf.tidy(() => tf.grad((f: tf.Tensor) => (head.apply(f) as tf.Tensor2D).slice([0, c], [-1, 1]).log().sum())(features).arraySync() as number[][]);
      for (let r = 0; r < 2; r++) {
        const expected = ours[r][c].map((g, d) => g - probs[r].reduce((s, p, j) => s + p * ours[r][j][d], 0));
        auto[r].forEach((v, d) => expect(v).toBeCloseTo(expected[d], 4));
      }
    }
    tf.dispose(features);
    head.dispose();
  });
});

describe('contrastive', () => {
  it('is each class’s gradient minus the mean of the other classes’', () => {
    const out = tf.tidy(() => contrastive(tf.tensor3d([[[1, 0], [0, 2], [3, 4]]])).arraySync());
    expect(out[0]).toEqual([
      [1 - 1.5, 0 - 3],
      [0 - 2, 2 - 2],
      [3 - 0.5, 4 - 1],
    ]);
  });
});

describe('gradCam', () => {
  it('weights each position of the map by the gradient, keeps rows as rows and columns as columns', () => {
    // A 3×5 map (not square, so a transposition cannot pass) with 4 channels; 2 classes.
    const values = Array.from({ length: 3 * 5 * 4 }, (_, i) => ((i * 7) % 11) / 10);
    const grads = [
      [1, -1, 0.5, 0],
      [-0.2, 0.3, 0, 1],
    ];
    const out = tf.tidy(() => gradCam(tf.tensor4d(values, [1, 3, 5, 4]), tf.tensor3d([grads])).arraySync())[0];
    for (let k = 0; k < 2; k++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 5; x++) {
          const sum = grads[k].reduce((s, g, c) => s + g * values[(y * 5 + x) * 4 + c], 0);
          expect(out[k][y][x]).toBeCloseTo(Math.max(0, sum), 5);
        }
  });

  it('with the mirror (test-time flip), turns its map back before averaging', () => {
    const head = createHead(4, 2, headSettings);
    // Evidence on the left of the image: its mirror has it on the right, and the same embedding.
    const map = tf.tidy(() => tf.concat([tf.ones([1, 3, 1, 4]), tf.zeros([1, 3, 2, 4])], 2).mul(tf.tensor1d([1, 2, 0.5, 3])) as tf.Tensor4D);
    const mirrored = tf.reverse(map, 2) as tf.Tensor4D;
    const embedding = tf.tidy(() => map.mean([1, 2]) as tf.Tensor2D);
    const before = tf.memory().numTensors;
    const alone = explain(head, { embedding, map });
    const both = explain(head, { embedding, map }, { embedding, map: mirrored });
    const [a, b] = [alone.maps.arraySync(), both.maps.arraySync()];
    tf.dispose([alone.probabilities, alone.maps, both.probabilities, both.maps]);
    expect(tf.memory().numTensors).toBe(before);
    const k = a[0][0][0] > 0 ? 0 : 1;
    expect(a[k][1]).toEqual([1, 0, 0]);
    b[k].forEach((row, y) => row.forEach((v, x) => expect(v).toBeCloseTo(a[k][y][x], 6)));
    tf.dispose([map, mirrored, embedding]);
    head.dispose();
  });
});

/** The emoji fixtures of one split: [class, pixels 64×64×3 composited on white][]. */
function fixtures(split: 'train' | 'test'): { label: number; pixels: tf.Tensor3D }[] {
  const root = join(__dirname, '..', '..', 'e2e', 'fixtures', 'emoji', split);
  return ['face', 'fruit', 'vehicle'].flatMap((cls, label) =>
    readdirSync(join(root, cls))
      .sort()
      .map((f) => {
        const png = PNG.sync.read(readFileSync(join(root, cls, f)));
        return { label, pixels: tf.tensor3d(rgbaToPixels(png.data, png.width), [png.height, png.width, 3]) };
      }),
  );
}

describe('heat map of the real backbone', () => {
  const spec = BACKBONES[DEFAULT_BACKBONE_ID];
  let backbone: Backbone;
  let head: tf.LayersModel;

  beforeAll(async () => {
    backbone = await loadBackbone(spec, diskModel(join(__dirname, '..', '..', 'public', 'models', spec.folder)));
    const train = fixtures('train');
    const { plain, mirror } = tf.tidy(() => {
      const batch = tf.stack(train.map((t) => tf.image.resizeBilinear(t.pixels, [224, 224]))) as tf.Tensor4D;
      return { plain: backbone.embed(batch), mirror: backbone.embed(tf.reverse(batch, 2)) };
    });
    tf.dispose(train.map((t) => t.pixels));
    const features = tf.concat([plain, mirror]) as tf.Tensor2D;
    const n = train.length;
    head = createHead(spec.featureDim, 3, DEFAULT_HEAD_SETTINGS);
    await trainHead({
      head, features, numClasses: 3,
      rows: train.map((_, i) => i),
      labels: train.map((t) => t.label),
      views: train.map((_, i) => [n + i]),
      settings: { ...DEFAULT_HEAD_SETTINGS, epochs: 30, validationFraction: 0 },
    });
    tf.dispose([plain, mirror, features]);
  }, 120_000);

  afterAll(() => {
    head.dispose();
    backbone.dispose();
  });

  it('gives the same embedding with the feature map, which is the map’s mean', () => {
    const pixels = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const [plain, { embedding, map }] = [backbone.embed(pixels), backbone.embedWithMap(pixels)];
    expect(map.shape).toEqual([2, 7, 7, spec.featureDim]);
    expect(embedding.arraySync()).toEqual(plain.arraySync());
    const mean = tf.tidy(() => map.mean([1, 2]).sub(embedding).abs().max().arraySync() as number);
    expect(mean).toBeLessThan(1e-5);
    tf.dispose([plain, embedding, map]);
    expect(tf.memory().numTensors).toBe(before);
    pixels.dispose();
  });

  /** Each quadrant's share of a class's heat, as shown: the map smoothly upsampled over the 224 px image. */
  function quadrantShares(image: tf.Tensor4D, label: number): number[] {
    return tf.tidy(() => {
      const { maps } = explain(head, backbone.embedWithMap(image), backbone.embedWithMap(tf.reverse(image, 2)));
      const big = tf.image.resizeBilinear(maps.slice([label, 0, 0], [1, -1, -1]).expandDims(3) as tf.Tensor4D, [224, 224], false, true).squeeze() as tf.Tensor2D;
      const total = big.sum().arraySync() as number;
      return [0, 1, 2, 3].map((q) => (big.slice([q < 2 ? 0 : 112, q % 2 === 0 ? 0 : 112], [112, 112]).sum().arraySync() as number) / total);
    });
  }

  // Each test photo pasted into one quadrant of a white canvas: its class's heat must sit in that quadrant.
  const QUADRANTS = ['top left', 'top right', 'bottom left', 'bottom right'];
  it('puts the most heat in the quadrant holding the picture, ≥ 60% for the faces (image and mirror, as predicted; not uniform, mirrored or transposed)', () => {
    const before = tf.memory().numTensors;
    const test = fixtures('test');
    const lines: string[] = [];
    for (const { label, pixels } of test) {
      for (let q = 0; q < 4; q++) {
        const [top, left] = [q < 2 ? 0 : 112, q % 2 === 0 ? 0 : 112];
        const image = tf.tidy(() => tf.pad(tf.image.resizeBilinear(pixels, [112, 112]), [[top, 112 - top], [left, 112 - left], [0, 0]], 1).expandDims(0) as tf.Tensor4D);
        const shares = quadrantShares(image, label);
        image.dispose();
        lines.push(`${['face', 'fruit', 'vehicle'][label]} in the ${QUADRANTS[q]}: ${shares.map((x) => x.toFixed(2)).join(' ')}`);
        expect(Math.max(...shares)).toBe(shares[q]);
        if (label === 0) expect(shares[q]).toBeGreaterThanOrEqual(0.6);
      }
    }
    console.log(`heat by quadrant (${QUADRANTS.join(', ')}):\n${lines.join('\n')}`);
    tf.dispose(test.map((t) => t.pixels));
    expect(tf.memory().numTensors).toBe(before);
  });
});
