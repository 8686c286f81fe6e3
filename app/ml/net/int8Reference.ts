/**
 * The int8 model's answers in TF.js, to compare it with the app without a TFLite runtime in the page:
 * run.ts's runner on the dequantised network (each weight = its int8 value × its scale, each bias its
 * int32 value × its scale), with every activation put on its int8 grid as TFLite stores it —
 * x → (clip(round(x / s) + z, −128, 127) − z) · s — and the input the raw uint8 pixel. What it leaves
 * out is TFLite's fixed-point rescaling inside each op (exact within one step of the output's grid).
 */
import * as tf from '@tensorflow/tfjs';
import { dequantizedNetwork, type QuantizedNetwork, type QuantParams } from './quantize';
import { networkRunner, type NetworkRunner } from './run';

/** `x` on its int8 grid (see the header). */
export function onInt8Grid(x: tf.Tensor, { scale, zeroPoint }: QuantParams): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sub(tf.clipByValue(tf.add(tf.round(tf.div(x, scale)), zeroPoint), -128, 127), zeroPoint), scale));
}

export interface Int8Runner {
  /** Class probabilities [n, classes] for raw pixels [n, size, size, 3] (0–255, as the uint8 input takes them). The pixels stay the caller's. */
  run(pixels: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

/** The weights uploaded once, to run many images with. */
export function int8Runner(q: QuantizedNetwork): Int8Runner {
  const runner: NetworkRunner = networkRunner(dequantizedNetwork(q), {
    transform: (name, value) => {
      const params = q.activations[name];
      if (!params) throw new Error(`network ${q.float.name}: tensor "${name}" has no int8 parameters`);
      return onInt8Grid(value, params);
    },
  });
  return {
    run: (pixels) => {
      const input = tf.tidy(() => tf.mul(tf.sub(pixels, q.input.zeroPoint), q.input.scale) as tf.Tensor4D);
      try {
        return runner.run(input);
      } finally {
        input.dispose();
      }
    },
    dispose: () => runner.dispose(),
  };
}
