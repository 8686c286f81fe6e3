/** Training a new head on the cached embeddings, stopping it, and predicting with it. */
import * as tf from '@tensorflow/tfjs';
import { answerRows, createHead, predictHead, trainHead } from '../ml/head';
import { computeMetrics } from '../ml/metrics';
import { persistHead } from './headStore';
import type { ClassScore, EpochReport, MeasuredImage, TrainRequest, TrainSummary } from './protocol';
import { decode, embedBothViews, embedDecoded, exclusive, ready, yieldToEvents, type Session } from './session';

let stopRequested = false;

function describe(s: Session, head: tf.LayersModel, request: TrainRequest, started: number) {
  return {
    classIds: request.classIds.slice(),
    params: { frozen: s.backbone.paramCount, trainable: head.countParams() },
    headLayers: head.layers.map((layer) => ({
      name: layer.name,
      kind: layer.getClassName(),
      outputShape: JSON.stringify(layer.outputShape),
      params: layer.countParams(),
    })),
    trainMs: performance.now() - started,
  };
}

/**
 * Trains a new head on the cached embeddings. Only the head's variables reach the optimizer.
 * The new head is live once trained even if saving it fails: the summary then says `saved: false`.
 */
export function train(request: TrainRequest, onEpoch?: (report: EpochReport) => void): Promise<TrainSummary> {
  stopRequested = false;
  return exclusive(async () => {
    const s = ready();
    const started = performance.now();
    const { rows, labels } = s.cache.labelledRows(request.classIds);
    const present = new Set(labels);
    const empty = request.classIds.filter((_, i) => !present.has(i));
    if (empty.length > 0) throw new Error(`Every class needs at least one image (${empty.length} class(es) have none).`);
    const { settings } = request;
    const numClasses = request.classIds.length;
    // With mirror augmentation the mirrored rows follow the plain ones (for this training only), and
    // each image's other view is its mirror, drawn instead of it half of the epochs.
    const augment = settings.mirrorAugment && s.cache.mirrored;
    const flip = settings.testTimeFlip && s.cache.mirrored;
    const features = augment ? tf.concat([s.cache.matrix(), s.cache.mirrorMatrix()]) : s.cache.matrix();
    const views = augment ? rows.map((r) => [s.cache.size + r]) : undefined;
    const run = async (runSettings: TrainRequest['settings'], phase: EpochReport['phase'], epochLimit?: number) => {
      const head = createHead(s.cache.dim, numClasses, runSettings);
      try {
        const outcome = await trainHead({ head, features, rows, labels, views, epochLimit, numClasses, settings: runSettings, phase, onEpoch, shouldStop: () => stopRequested, yieldToEvents });
        return { head, outcome };
      } catch (error) {
        head.dispose();
        throw error;
      }
    };
    let head: tf.LayersModel;
    let measuredRun: Awaited<ReturnType<typeof run>>;
    let metrics: ReturnType<typeof computeMetrics>;
    let measuredImages: MeasuredImage[];
    let scope: 'validation' | 'training';
    let refit = false;
    try {
      measuredRun = await run(settings, 'measure');
      const { outcome } = measuredRun;
      scope = outcome.validation.length > 0 ? 'validation' : 'training';
      const positions = scope === 'validation' ? outcome.validation : rows.map((_, i) => i);
      const answers = await answerRows(measuredRun.head, s.cache.matrix(), positions.map((p) => rows[p]), flip ? s.cache.mirrorMatrix() : undefined);
      metrics = computeMetrics(positions.map((p) => labels[p]), answers.predicted, numClasses);
      measuredImages = positions.map((p, i) => ({ sampleId: s.cache.ids[rows[p]], truth: labels[p], predicted: answers.predicted[i], confidence: answers.confidence[i] }));
      head = measuredRun.head;
      if (settings.refitOnAll && scope === 'validation' && !outcome.stopped) {
        // After early stopping, the refit runs as many epochs as the best held-out loss took.
        const limit = settings.earlyStoppingPatience > 0 ? outcome.bestEpoch : undefined;
        const final = await run({ ...settings, validationFraction: 0 }, 'final', limit);
        if (final.outcome.stopped) final.head.dispose();
        else {
          measuredRun.head.dispose();
          head = final.head;
          refit = true;
        }
      }
    } finally {
      if (augment) features.dispose();
    }
    const { outcome } = measuredRun;
    s.head?.dispose();
    s.head = head;
    s.headClassIds = request.classIds.slice();
    s.headTestTimeFlip = flip;
    const summary: TrainSummary = {
      stopped: outcome.stopped,
      refit,
      epochsRun: outcome.epochsRun,
      history: outcome.history,
      metrics: { ...metrics, scope },
      measured: measuredImages,
      optimizer: outcome.optimizer,
      testTimeFlip: flip,
      saveError: null,
      ...describe(s, head, request, started),
    };
    if (s.persist) {
      try {
        await persistHead(head, summary);
      } catch (error) {
        summary.saveError = error instanceof DOMException && error.name === 'QuotaExceededError' ? 'the browser storage is full' : (error as Error).message;
      }
    }
    return summary;
  });
}

/** Asks a running training to stop after its current batch. Not exclusive: it must run during training. */
export function stop(): void {
  stopRequested = true;
}

/** Class probabilities for one image, best first. */
export function predict(blob: Blob): Promise<ClassScore[]> {
  return exclusive(async () => {
    const s = ready();
    if (!s.head) throw new Error('Train the model before predicting.');
    const { image } = await decode(blob, s.backbone.spec.inputSize);
    const head = s.head;
    const probs = tf.tidy(() => {
      if (!s.headTestTimeFlip) return predictHead(head, embedDecoded(s.backbone, [image]));
      const { plain, mirror } = embedBothViews(s.backbone, [image]);
      return predictHead(head, plain, mirror);
    });
    const values = await probs.data();
    probs.dispose();
    return s.headClassIds.map((classId, i) => ({ classId, probability: values[i] })).sort((a, b) => b.probability - a.probability);
  });
}
