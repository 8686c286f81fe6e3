/**
 * The export dialog's ONNX snippet for Node (ONNX_NODE_SNIPPET), run as shown with node on a real
 * model.onnx and headstart.json: it prints what the network answers for the image headstart.json
 * describes (centred square, transparent on white, resized, × scale + offset, NCHW).
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, expect, it } from 'vitest';
import { ONNX_NODE_SNIPPET } from '../../ui/exportSnippets';
import { patternImages, tinyNetwork } from '../testing';
import { nchwPreprocessing } from './network';
import { writeOnnx } from './onnx';
import { runNetwork } from './run';

const root = join(__dirname, '..', '..', '..');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** An RGBA PNG of `width` × `height` from a function of the pixel. */
function png(width: number, height: number, rgba: (x: number, y: number) => [number, number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image.data.set(rgba(x, y), (y * width + x) * 4);
  return PNG.sync.write(image);
}

it('the Node ONNX snippet, run on an export, prints the network\'s probabilities for the image as headstart.json prepares it', async () => {
  const net = tinyNetwork(true);
  const size = net.input.shape[1];
  // Inside the repository, so the snippet's imports resolve to the project's onnxruntime-node and pngjs.
  const dir = join(root, 'node_modules', '.tmp', 'headstart-onnx-snippet');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), writeOnnx(net));
  writeFileSync(join(dir, 'headstart.json'), JSON.stringify(nchwPreprocessing(net)));
  writeFileSync(join(dir, 'classify.mjs'), ONNX_NODE_SNIPPET);

  const [a, b] = patternImages(2, 2 * size, 3);
  // What headstart.json says the input is, RGB 0–255 at size × size, for three images:
  const cases: { name: string; file: Buffer; rgb: (x: number, y: number, c: number) => number }[] = [
    // already square at the size: every pixel as it is
    { name: 'square.png', file: png(size, size, (x, y) => [...a.subarray((y * 2 * size + x) * 3, (y * 2 * size + x) * 3 + 3), 255] as [number, number, number, number]), rgb: (x, y, c) => a[(y * 2 * size + x) * 3 + c] },
    // wider, half transparent: the centred square (4 columns off each side), transparent on white
    {
      name: 'wide.png',
      file: png(size + 8, size, (x, y) => [b[(y * 2 * size + x) * 3], b[(y * 2 * size + x) * 3 + 1], b[(y * 2 * size + x) * 3 + 2], x % 2 ? 255 : 51]),
      rgb: (x, y, c) => {
        const alpha = (x + 4) % 2 ? 1 : 51 / 255;
        return b[(y * 2 * size + x + 4) * 3 + c] * alpha + 255 * (1 - alpha);
      },
    },
    // twice the size: each pixel the mean of a 2 × 2 block (bilinear halfway between)
    {
      name: 'large.png',
      file: png(2 * size, 2 * size, (x, y) => [...a.subarray((y * 2 * size + x) * 3, (y * 2 * size + x) * 3 + 3), 255] as [number, number, number, number]),
      rgb: (x, y, c) => [0, 1, 2, 3].reduce((sum, k) => sum + a[((2 * y + (k >> 1)) * 2 * size + 2 * x + (k & 1)) * 3 + c], 0) / 4,
    },
  ];
  for (const { name, file, rgb } of cases) {
    writeFileSync(join(dir, name), file);
    const input = Float32Array.from({ length: size * size * 3 }, (_, i) => rgb(Math.floor(i / 3) % size, Math.floor(i / 3 / size), i % 3) * net.preprocessing.scale + net.preprocessing.offset);
    const probs = tf.tidy(() => runNetwork(net, tf.tensor4d(input, [1, size, size, 3])));
    const expected = Array.from(await probs.data());
    probs.dispose();
    const printed = execFileSync(process.execPath, [join(dir, 'classify.mjs'), join(dir, 'model.onnx'), join(dir, name)], { encoding: 'utf8' });
    const scores = JSON.parse(printed.trim().split('\n').at(-1)!) as { label: string; probability: number }[];
    expect(scores.map((s) => s.label)).toEqual(net.preprocessing.labels);
    const diff = Math.max(...scores.map((s, i) => Math.abs(s.probability - expected[i])));
    console.log(`ONNX Node snippet on ${name} vs the network: max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-5);
  }
}, 120_000);
