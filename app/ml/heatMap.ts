import * as tf from '@tensorflow/tfjs';
import { predictHead } from './head';
import { denseParams } from './headStep';

/**
 * "Where the model looked": Grad-CAM (Selvaraju et al., ICCV 2017) at the backbone's last feature map.
 * The embedding f is the mean of that map A over its h×w positions, so the gradient of a class's score
 * with respect to A is the head's gradient with respect to f, spread evenly: the channel weights are
 * ∂score/∂f, and the map is ReLU(Σ_c ∂score/∂f_c · A_c). Only the head is differentiated (its Dense layers
 * written out here, no autodiff), so it runs on every backend, wasm included, and costs a few small matrix
 * products on top of the prediction.
 * A class's score is its logit minus the mean of the other classes' logits: the evidence for that class
 * over the others, so what every class shares (the white background of every training image) does not
 * light up. On heatMap.test.ts's pasted pictures that put 58–65% of a fruit's heat on the fruit's
 * quadrant, against 55–61% with the logit alone (Grad-CAM's own score).
 */

/**
 * ∂logit_k/∂f for every class k, for each row of `features`: [n, classes, dim]. The head is Dense layers
 * with relu between them (dropout does nothing when predicting). Call inside tf.tidy.
 */
export function logitGradients(head: tf.LayersModel, features: tf.Tensor2D): tf.Tensor3D {
  const params = denseParams(head);
  const n = features.shape[0];
  // Forward through the hidden layers, keeping where each relu let its input through.
  const masks: tf.Tensor2D[] = [];
  let a = features;
  for (const p of params.slice(0, -1)) {
    const z = tf.matMul(a, p.kernel as tf.Tensor2D).add(p.bias) as tf.Tensor2D;
    masks.push(tf.step(z) as tf.Tensor2D);
    a = tf.relu(z);
  }
  // Backward from each logit: the last kernel's columns, then through each relu and kernel before it.
  const last = params[params.length - 1].kernel as tf.Tensor2D;
  const classes = last.shape[1];
  let g = tf.broadcastTo(last.transpose().expandDims(0), [n, classes, last.shape[0]]) as tf.Tensor3D;
  for (let i = params.length - 2; i >= 0; i--) {
    const kernel = params[i].kernel as tf.Tensor2D;
    const masked = g.mul(masks[i].expandDims(1)) as tf.Tensor3D;
    g = tf.matMul(masked.reshape([n * classes, kernel.shape[1]]), kernel.transpose()).reshape([n, classes, kernel.shape[0]]);
  }
  return g;
}

/** Gradients of each class's logit minus the mean of the others' ([n, classes, dim]) from the logits' own. Call inside tf.tidy. */
export function contrastive(grads: tf.Tensor3D): tf.Tensor3D {
  const others = grads.sum(1, true).sub(grads).div(grads.shape[1] - 1);
  return grads.sub(others) as tf.Tensor3D;
}

/** Grad-CAM maps [n, classes, h, w] from feature maps [n, h, w, channels] and logit gradients [n, classes, channels]. Call inside tf.tidy. */
export function gradCam(maps: tf.Tensor4D, grads: tf.Tensor3D): tf.Tensor4D {
  const [n, h, w, c] = maps.shape;
  return tf.relu(tf.matMul(grads, maps.reshape([n, h * w, c]), false, true)).reshape([n, grads.shape[1], h, w]);
}

/** One view of an image: its embedding [1, dim] (what the head predicts from) and the feature map it is the mean of [1, h, w, dim]. */
export interface ViewFeatures {
  embedding: tf.Tensor2D;
  map: tf.Tensor4D;
}

// A type, not an interface, so that tf.tidy can return it.
export type Explanation = {
  /** The head's class probabilities [classes], exactly as predictHead gives them. */
  probabilities: tf.Tensor1D;
  /** Each class's map [classes, h, w], scaled so its largest value is 1 (all 0 where nothing speaks for the class). */
  maps: tf.Tensor3D;
};

/**
 * The prediction and every class's heat map for one image; given its mirror too (test-time flip), the
 * probabilities are the two views' average, as in prediction, and so are the maps, the mirror's turned
 * back first so that both show the image as it is.
 */
export function explain(head: tf.LayersModel, plain: ViewFeatures, mirror?: ViewFeatures): Explanation {
  return tf.tidy(() => {
    const probabilities = predictHead(head, plain.embedding, mirror?.embedding).squeeze([0]) as tf.Tensor1D;
    const camOf = (view: ViewFeatures) => gradCam(view.map, contrastive(logitGradients(head, view.embedding))).squeeze([0]) as tf.Tensor3D;
    let maps = camOf(plain);
    if (mirror) maps = maps.add(tf.reverse(camOf(mirror), 2)).div(2) as tf.Tensor3D;
    const peak = maps.max([1, 2], true).maximum(1e-12);
    return { probabilities, maps: maps.div(peak) as tf.Tensor3D };
  });
}
