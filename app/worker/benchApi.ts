/** Entry points for `npm run bench` and `npm run eval` only; the app itself never calls them. */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { EMBED_BATCH } from '../ml/backbones';
import { bareThroughput, fineTuneSteps, headEpochMs, type FineTuneBench, type HeadBench } from './bench';
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

  /** `npm run bench`: fine-tuning step time (cached cut-point activations vs the full backbone). */
  benchFineTune(steps: number): Promise<FineTuneBench> {
    return exclusive(() => fineTuneSteps(new URL('models/mobilenet_v2_100_keras/model.json', ready().baseUrl).href, 'block_12_add', 8, steps));
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
