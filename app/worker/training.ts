/** Training a new head on the cached embeddings, stopping it, and predicting with it. */
import * as tf from '@tensorflow/tfjs';
import type { FitOptions } from '../ml/fit';
import { fitHeadPlaced } from './fitElsewhere';
import { predictHead } from '../ml/head';
import { computeMetrics } from '../ml/metrics';
import { disposeBlocks } from '../ml/blocks';
import { adaptBlocks, adaptedParams, adaptedParts, loadTwin, predictAdapted, type AdaptResult } from './fineTuning';
import { augmentedFor, augmentOf, ensureViews, kindsOf, viewBytes } from './augmentedViews';
import { ensureMirrors } from './mirrors';
import { persistHead } from './headStore';
import type { ClassScore, EpochReport, MeasuredImage, PredictInput, TrainRequest, TrainSummary } from './protocol';
import type { ModelInput } from './decode';
import { embedBothViews, embedDecoded, exclusive, inputPixels, ready, yieldToEvents, type Session } from './session';

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
 * Null when stopped before training began (while the mirrors still owed or the augmented views were
 * prepared): nothing is trained, and the model trained before, if any, still predicts.
 */
export function train(request: TrainRequest, onEpoch?: (report: EpochReport) => void): Promise<TrainSummary | null> {
  stopRequested = false;
  return exclusive(async () => {
    const s = ready();
    const started = performance.now();
    const { rows, labels } = s.cache.labelledRows(request.classIds);
    const present = new Set(labels);
    const empty = request.classIds.filter((_, i) => !present.has(i));
    if (empty.length > 0) throw new Error(`Every class needs at least one image (${empty.length} class(es) have none).`);
    const numClasses = request.classIds.length;
    const settings = request.settings;
    const blocks = settings.adaptBlocks ?? 0;
    // Refused before anything is trained when blocks cannot adapt on this backbone (a cut-point cache over
    // its budget is refused by adaptBlocks, which then keeps the head alone and says why).
    if (blocks > 0) await loadTwin(s);
    // Mirrors still owed (computed behind the ingest) are computed first, with progress, when training uses them.
    const mirrors = s.cache.mirrored && (settings.mirrorAugment || settings.testTimeFlip);
    const stopping = () => stopRequested;
    if (mirrors) await ensureMirrors(s, (done, total) => onEpoch?.({ phase: 'mirrors', epoch: done, epochs: total, loss: NaN, accuracy: NaN, valLoss: null, valAccuracy: null, ms: performance.now() - started }), stopping);
    if (stopRequested) return null;
    const plain = s.cache.matrix();
    const mirrored = mirrors ? s.cache.mirrorMatrix() : undefined;
    // Augmented views: each image's K views, prepared once ever (augmentedViews.ts), beside the mirror.
    const augment = augmentOf(settings);
    const ids = rows.map((r) => s.cache.ids[r]);
    let augmented: ReturnType<typeof augmentedFor> | undefined;
    let augmentedInfo: TrainSummary['augmented'];
    if (augment.views > 0) {
      const preparing = performance.now();
      const report = (done: number, total: number) =>
        onEpoch?.({ phase: 'views', epoch: done, epochs: total, loss: NaN, accuracy: NaN, valLoss: null, valAccuracy: null, ms: performance.now() - preparing });
      const { computed, loaded } = await ensureViews(s, ids, augment, report, undefined, stopping);
      if (stopRequested) return null;
      augmented = augmentedFor(s, ids, rows, augment.views);
      augmentedInfo = {
        views: augment.views, kinds: kindsOf(augment), images: ids.length, computed, loaded,
        ms: performance.now() - preparing, bytes: viewBytes(ids.length, augment.views, s.cache.dim),
      };
    }
    let fit: Awaited<ReturnType<typeof fitHeadPlaced>>;
    let tuned: AdaptResult | null = null;
    try {
      const options: FitOptions = {
        plain, mirrored, augmented, rows, labels, numClasses,
        // When blocks adapt, the refit happens in adaptBlocks (a new head, then new blocks with it).
        settings: blocks > 0 ? { ...settings, refitOnAll: false } : settings,
        onEpoch,
        shouldStop: stopping,
        yieldToEvents,
      };
      // On threaded wasm the head trains single-threaded in a worker of its own (fitElsewhere.ts).
      fit = await fitHeadPlaced(options, s.baseUrl);
      if (blocks > 0 && !fit.outcome.stopped) {
        tuned = await adaptBlocks(s, {
          blocks, labels, numClasses, settings, fit, plain, mirrored, rows, augmented,
          ids,
          onEpoch,
          shouldStop: stopping,
        });
      }
    } finally {
      augmented?.matrix.dispose();
    }
    const { outcome, scope, positions } = fit;
    const head = tuned?.head ?? fit.head;
    const answers = tuned?.answers ?? fit.answers;
    const metrics = computeMetrics(positions.map((p) => labels[p]), answers.predicted, numClasses);
    const measuredImages: MeasuredImage[] = positions.map((p, i) => ({ sampleId: s.cache.ids[rows[p]], truth: labels[p], predicted: answers.predicted[i], confidence: answers.confidence[i] }));
    s.head?.dispose();
    s.head = head;
    if (s.adapted) disposeBlocks(s.adapted);
    s.adapted = tuned?.adapted ?? null;
    s.headClassIds = request.classIds.slice();
    s.headTestTimeFlip = fit.testTimeFlip;
    const summary: TrainSummary = {
      stopped: outcome.stopped || (tuned?.choice.stopped ?? false),
      refit: tuned ? tuned.refit : fit.refit,
      epochsRun: outcome.epochsRun,
      history: outcome.history,
      metrics: { ...metrics, scope },
      measured: measuredImages,
      optimizer: (tuned?.adapted && tuned.tuned?.optimizer) || outcome.optimizer,
      testTimeFlip: fit.testTimeFlip,
      trainedApart: fit.apart,
      saveError: null,
      ...describe(s, head, request, started),
    };
    if (augmentedInfo) summary.augmented = augmentedInfo;
    if (tuned) summary.adaptChoice = tuned.choice;
    if (tuned?.adapted && tuned.tuned) {
      const extra = adaptedParams(tuned.adapted);
      summary.params = { frozen: summary.params.frozen - extra, trainable: summary.params.trainable + extra };
      summary.adapted = { blocks, parts: adaptedParts(tuned.adapted), epochsRun: tuned.tuned.epochsRun, ms: tuned.ms, cutBytes: tuned.cutBytes };
    }
    if (s.persist) {
      try {
        await persistHead(head, summary, s.adapted);
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

/** The trained model's class probabilities [1, classes] for a decoded image, as the app answers (the caller disposes them). */
export function appProbabilities(s: Session, image: ModelInput): tf.Tensor2D {
  const head = s.head;
  if (!head) throw new Error('Train the model before predicting.');
  if (s.adapted) return predictAdapted(s, image);
  return tf.tidy(() => {
    if (!s.headTestTimeFlip) return predictHead(head, embedDecoded(s.backbone, [image]));
    const { plain, mirror } = embedBothViews(s.backbone, [image]);
    return predictHead(head, plain, mirror);
  });
}

/** Class probabilities for one image or camera frame, best first. */
export function predict(input: PredictInput): Promise<ClassScore[]> {
  return exclusive(async () => {
    const s = ready();
    if (!s.head) throw new Error('Train the model before predicting.');
    const probs = appProbabilities(s, await inputPixels(s, input));
    const values = await probs.data();
    probs.dispose();
    return s.headClassIds.map((classId, i) => ({ classId, probability: values[i] })).sort((a, b) => b.probability - a.probability);
  });
}
