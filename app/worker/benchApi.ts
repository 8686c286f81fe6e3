/** Entry points for `npm run bench` and `npm run eval` only; the app itself never calls them. */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { EMBED_BATCH } from '../ml/backbones';
import { bareThroughput, headEpochMs, type HeadBench } from './bench';
import { fineTuneBench, type FineTuneBench } from './fineTuneBench';
import { evalFineTune, type FineTuneEvalRequest } from './fineTuneEval';
import { decode, embedBothViews, exclusive, ready } from './session';

export const benchApi = {
  /** `npm run bench`: images/s of the bare backbone on pre-made tensors. */
  benchBare(batch: number, images: number): Promise<number> {
    return exclusive(() => bareThroughput(ready().backbone, batch, images));
  },

  /** `npm run bench`: ms per epoch of the app's head loop ('ours') or the Teachable-Machine-style one ('tm'). */
  benchHead(loop: 'ours' | 'tm', n: number, epochs: number): Promise<HeadBench> {
    return exclusive(() => headEpochMs(loop, n, ready().cache.dim, 5, epochs));
  },

  /** `npm run bench`: fine-tuning the default backbone's last 1–3 blocks: step ms, cut cache and optimizer bytes. */
  benchFineTune(steps: number): Promise<FineTuneBench> {
    return exclusive(() => fineTuneBench(new URL('models/mobilenet_v2_140_layers/model.json', ready().baseUrl).href, 16, steps));
  },

  /** `npm run eval -- --fine-tune-blocks N`: head only vs the last N blocks fine-tuned (fineTuneEval.ts). */
  evalFineTune(request: FineTuneEvalRequest): ReturnType<typeof evalFineTune> {
    return exclusive(() => evalFineTune(ready(), request));
  },

  /** The batch size the app embeds with. */
  embedBatch(): number {
    return EMBED_BATCH;
  },

  /**
   * `npm run eval -- --dump`: embeddings of images without adding them to the project, as seen
   * and mirrored left-right, for offline analysis of head variants. Row-major [n, dim].
   */
  embedImages(blobs: Blob[]): Promise<{ dim: number; plain: Float32Array; mirrored: Float32Array }> {
    return exclusive(async () => {
      const { backbone } = ready();
      const dim = backbone.spec.featureDim;
      const plain = new Float32Array(blobs.length * dim);
      const mirrored = new Float32Array(blobs.length * dim);
      for (let start = 0; start < blobs.length; start += EMBED_BATCH) {
        const images = await Promise.all(blobs.slice(start, start + EMBED_BATCH).map(async (b) => (await decode(b, backbone.spec.inputSize)).image));
        const { plain: a, mirror: b } = embedBothViews(backbone, images);
        plain.set(await a.data(), start * dim);
        mirrored.set(await b.data(), start * dim);
        tf.dispose([a, b]);
      }
      return Comlink.transfer({ dim, plain, mirrored }, [plain.buffer, mirrored.buffer]);
    });
  },
};
