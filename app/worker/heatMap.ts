/**
 * Predictions with their heat maps (app/ml/heatMap.ts): the same probabilities as predict(), from the same
 * embeddings, plus each class's Grad-CAM map at the last 7×7 feature map: the frozen backbone's last
 * convolution, or the adapted blocks' when blocks were adapted; averaged with the mirror's, turned back,
 * when the head predicts with test-time flip. Asked for only when the user shows heat maps, so a plain
 * prediction costs nothing more.
 */
import * as tf from '@tensorflow/tfjs';
import { explain } from '../ml/heatMap';
import type { ModelInput } from './decode';
import { adaptedView } from './fineTuning';
import type { ExplainedPrediction, PredictInput } from './protocol';
import { decodeStored, exclusive, inputPixels, ready, toBatch, type Session } from './session';

async function explainImage(s: Session, head: tf.LayersModel, image: ModelInput): Promise<ExplainedPrediction> {
  const { probabilities, maps } = tf.tidy(() => {
    const batch = toBatch(s.backbone, [image]);
    const view = (pixels: tf.Tensor4D) => (s.adapted ? adaptedView(s, pixels) : s.backbone.embedWithMap(pixels));
    return explain(head, view(batch), s.headTestTimeFlip ? view(tf.reverse(batch, 2)) : undefined);
  });
  try {
    const [p, m] = await Promise.all([probabilities.data(), maps.data()]);
    const [, size] = maps.shape;
    const cells = size * size;
    return {
      scores: s.headClassIds.map((classId, i) => ({ classId, probability: p[i] })).sort((a, b) => b.probability - a.probability),
      heatMap: {
        size,
        classIds: s.headClassIds.slice(),
        maps: s.headClassIds.map((_, i) => Array.from(m.subarray(i * cells, (i + 1) * cells))),
        source: s.adapted ? 'adapted' : 'backbone',
        flipped: s.headTestTimeFlip,
      },
    };
  } finally {
    tf.dispose([probabilities, maps]);
  }
}

/** predict() with each class's heat map. */
export function predictWithHeatMap(input: PredictInput): Promise<ExplainedPrediction> {
  return exclusive(async () => {
    const s = ready();
    const head = s.head;
    if (!head) throw new Error('Train the model before predicting.');
    return explainImage(s, head, await inputPixels(s, input));
  });
}

/** The current model's answer and heat maps for a project image (the mistakes view, Check labels). */
export function sampleHeatMap(sampleId: string): Promise<ExplainedPrediction> {
  return exclusive(async () => {
    const s = ready();
    const head = s.head;
    if (!head) throw new Error('Train the model first.');
    const [found] = await decodeStored(s, [sampleId]);
    if (!found) throw new Error('the image is no longer in the browser storage');
    return explainImage(s, head, found.image);
  });
}
