/**
 * The int8 reference (TF.js, each activation on its int8 grid) against the int8 .tflite itself, run by
 * LiteRT.js: the export dialog's agreement figure is computed with the reference, so it must answer as
 * the file does — far closer than the float network does.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLiteRtNode, patternImages, tinyNetwork } from '../testing';
import { int8Runner } from './int8Reference';
import { quantizeNetwork } from './quantize';
import { runNetwork } from './run';
import { writeTflite } from './tflite/write';

let lrt: Awaited<ReturnType<typeof loadLiteRtNode>>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  lrt = await loadLiteRtNode();
});

const argmax = (a: ArrayLike<number>) => Array.from(a).reduce((best, v, i, all) => (v > all[best] ? i : best), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('int8Runner', () => {
  const calibration = patternImages(24, 16, 5);
  const held = patternImages(24, 16, 99);

  it.each([false, true])('answers as the int8 .tflite in LiteRT.js does, much closer than the float network (flip %s)', async (flip) => {
    const net = tinyNetwork(flip);
    const q = await quantizeNetwork(net, calibration.map((img) => tf.tensor4d(Float32Array.from(img, (p) => p / 255), [1, 16, 16, 3])));
    const model = await lrt.loadAndCompile(writeTflite(q), { accelerator: 'wasm' });
    const before = tf.memory().numTensors;
    const reference = int8Runner(q);
    let toFile = 0;
    let floatToFile = 0;
    let agree = 0;
    for (const image of held) {
      const input = new lrt.Tensor(Uint8Array.from(image), [1, 16, 16, 3]);
      const [out] = await model.run(input);
      const file = Float32Array.from(out.toTypedArray() as Float32Array);
      input.delete();
      out.delete();
      const pixels = tf.tensor4d(Float32Array.from(image), [1, 16, 16, 3]);
      const simulated = reference.run(pixels);
      const float = tf.tidy(() => runNetwork(net, tf.div(pixels, 255) as tf.Tensor4D));
      const [s, f] = [simulated.dataSync(), float.dataSync()];
      tf.dispose([pixels, simulated, float]);
      toFile = Math.max(toFile, maxDiff(s, file));
      floatToFile = Math.max(floatToFile, maxDiff(f, file));
      agree += argmax(s) === argmax(file) ? 1 : 0;
    }
    reference.dispose();
    model.delete();
    expect(tf.memory().numTensors).toBe(before);
    console.log(`int8 reference vs the .tflite in LiteRT.js (flip ${flip}): max |diff| ${toFile.toExponential(2)}; the float network vs the file: ${floatToFile.toExponential(2)}; top class ${agree}/${held.length}`);
    expect(agree).toBe(held.length);
    // Within a quarter of the output's 1/256 step, where the float network is about a step off.
    expect(toFile).toBeLessThan(1e-3);
    expect(floatToFile).toBeGreaterThan(2 * toFile);
  });
});
