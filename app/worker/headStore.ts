/** The trained head in IndexedDB (with the adapted blocks' weights, if any): saved after training, brought back after a reload. */
import * as tf from '@tensorflow/tfjs';
import { blockWeightsData, copyBlocks, disposeBlocks, setBlockWeights, type AdaptedBlocks } from '../ml/blocks';
import { loadHead, saveHead } from '../platform/db';
import { loadTwin } from './fineTuning';
import type { TrainSummary } from './protocol';
import { exclusive, ready } from './session';

export async function persistHead(head: tf.LayersModel, summary: TrainSummary, adapted: AdaptedBlocks | null = null): Promise<void> {
  const blocks = adapted ? { count: adapted.count, weights: await blockWeightsData(adapted) } : undefined;
  await head.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      if (!artifacts.modelTopology || !artifacts.weightSpecs || !(weightData instanceof ArrayBuffer)) throw new Error('could not serialise the head');
      await saveHead({ topology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData, classIds: summary.classIds, summary, ...(blocks ? { blocks } : {}) });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Brings back the head saved after the last training, if any. */
export function restoreHead(): Promise<TrainSummary | null> {
  return exclusive(async () => {
    const s = ready();
    const stored = s.persist ? await loadHead() : null;
    if (!stored) return null;
    const head = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: stored.topology, weightSpecs: stored.weightSpecs as tf.io.WeightsManifestEntry[], weightData: stored.weightData }),
    );
    let adapted: AdaptedBlocks | null = null;
    if (stored.blocks) {
      try {
        adapted = copyBlocks(await loadTwin(s), stored.blocks.count);
        setBlockWeights(adapted, stored.blocks.weights);
      } catch (error) {
        if (adapted) disposeBlocks(adapted);
        head.dispose();
        throw error;
      }
    }
    s.head?.dispose();
    s.head = head;
    if (s.adapted) disposeBlocks(s.adapted);
    s.adapted = adapted;
    s.headClassIds = stored.classIds;
    // Heads saved before test-time flipping existed predict from the image alone.
    s.headTestTimeFlip = stored.summary.testTimeFlip ?? false;
    return stored.summary;
  });
}
