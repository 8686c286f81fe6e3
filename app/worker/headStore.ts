/** The trained head in IndexedDB: saved after training, brought back after a reload. */
import * as tf from '@tensorflow/tfjs';
import { loadHead, saveHead } from '../platform/db';
import type { TrainSummary } from './protocol';
import { exclusive, ready } from './session';

export async function persistHead(head: tf.LayersModel, summary: TrainSummary): Promise<void> {
  await head.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      if (!artifacts.modelTopology || !artifacts.weightSpecs || !(weightData instanceof ArrayBuffer)) throw new Error('could not serialise the head');
      await saveHead({ topology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData, classIds: summary.classIds, summary });
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
    s.head?.dispose();
    s.head = head;
    s.headClassIds = stored.classIds;
    // Heads saved before test-time flipping existed predict from the image alone.
    s.headTestTimeFlip = stored.summary.testTimeFlip ?? false;
    return stored.summary;
  });
}
