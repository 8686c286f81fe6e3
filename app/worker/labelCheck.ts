/**
 * Check labels in the worker: every image of the given classes scored by heads that never saw its label
 * (k-fold on the cached embeddings, their mirrors and augmented views, trained as the app trains a head),
 * ranked (rankLabelIssues: flagged when a head that never saw it finds its class less likely than chance),
 * and the pairs of images that are (nearly) the same picture (app/ml/labelCheck.ts).
 * Head only: adapted blocks, if any, are not used here (they would need every fold's blocks adapted too).
 */
import * as tf from '@tensorflow/tfjs';
import { DUPLICATE_COSINE, LABEL_CHECK_FOLDS, nearDuplicates, rankLabelIssues, type OutOfFoldOptions, type OutOfFoldResult } from '../ml/labelCheck';
import { outOfFoldPlaced } from './fitElsewhere';
import { augmentedFor, augmentOf, ensureViews } from './augmentedViews';
import { ensureMirrors } from './mirrors';
import type { LabelCheckProgress, LabelCheckRequest, LabelCheckResult } from './protocol';
import { exclusive, ready, yieldToEvents } from './session';

let stopRequested = false;

/** Asks a running check to stop after its current batch (not exclusive: it must run during the check). */
export function stopLabelCheck(): void {
  stopRequested = true;
}

export function checkLabels(request: LabelCheckRequest, onProgress?: (progress: LabelCheckProgress) => void): Promise<LabelCheckResult> {
  stopRequested = false;
  return exclusive(async () => {
    const s = ready();
    const started = performance.now();
    const { rows, labels } = s.cache.labelledRows(request.classIds);
    const numClasses = request.classIds.length;
    if (numClasses < 2 || new Set(labels).size < 2) throw new Error('checking labels needs images in at least two classes');
    const settings = request.settings;
    const ids = rows.map((r) => s.cache.ids[r]);
    const augment = augmentOf(settings);
    const folds = request.folds ?? LABEL_CHECK_FOLDS;
    // Stopped while the mirrors or views were still being made: those made are kept, nothing is judged.
    const stoppedBefore = (): LabelCheckResult => ({
      classIds: request.classIds.slice(), suspects: [], flagged: 0, duplicates: [], duplicateCosine: DUPLICATE_COSINE,
      folds, images: rows.length, ms: performance.now() - started, stopped: true,
    });
    const stopping = () => stopRequested;
    const mirrors = s.cache.mirrored && (settings.mirrorAugment || settings.testTimeFlip);
    if (mirrors) await ensureMirrors(s, (done, total) => onProgress?.({ phase: 'mirrors', done, total }), stopping);
    if (stopRequested) return stoppedBefore();
    let augmented: ReturnType<typeof augmentedFor> | undefined;
    if (augment.views > 0) {
      await ensureViews(s, ids, augment, (done, total) => onProgress?.({ phase: 'views', done, total }), undefined, stopping);
      if (stopRequested) return stoppedBefore();
      augmented = augmentedFor(s, ids, rows, augment.views);
    }
    const plain = s.cache.matrix();
    let oof: OutOfFoldResult;
    try {
      const options: OutOfFoldOptions = {
        plain,
        mirrored: mirrors ? s.cache.mirrorMatrix() : undefined,
        augmented,
        rows,
        labels,
        numClasses,
        settings,
        k: folds,
        onProgress: (done, total) => onProgress?.({ phase: 'folds', done, total }),
        shouldStop: stopping,
        yieldToEvents,
      };
      // On threaded wasm the heads train single-threaded in a worker of their own (fitElsewhere.ts).
      oof = await outOfFoldPlaced(options, s.baseUrl);
    } finally {
      augmented?.matrix.dispose();
    }
    const ranking = rankLabelIssues(oof.probabilities, labels, numClasses);
    onProgress?.({ phase: 'duplicates', done: 0, total: rows.length });
    const matrix = rows.length === s.cache.size ? plain : tf.tidy(() => tf.gather(plain, tf.tensor1d(rows, 'int32')));
    let pairs: Awaited<ReturnType<typeof nearDuplicates>>;
    try {
      pairs = await nearDuplicates(matrix, DUPLICATE_COSINE);
    } finally {
      if (matrix !== plain) matrix.dispose();
    }
    onProgress?.({ phase: 'duplicates', done: rows.length, total: rows.length });
    return {
      classIds: request.classIds.slice(),
      suspects: ranking.ranked.map(({ position, ...rest }) => ({ sampleId: ids[position], ...rest })),
      flagged: ranking.flagged,
      duplicates: pairs.map(({ a, b, cosine }) => ({ a: ids[a], b: ids[b], cosine })),
      duplicateCosine: DUPLICATE_COSINE,
      folds,
      images: rows.length,
      ms: performance.now() - started,
      stopped: oof.stopped,
    };
  });
}
