/**
 * Adapting the last blocks in the app (settings.adaptBlocks > 0). The head is trained on the cached
 * embeddings as for head only; then the last N blocks + Conv_1, copied out of the layers twin, learn
 * together with that head (fineTune, app/ml) from each image's cut-point activations: computed once per
 * image (its mirror, its augmented views) from the original stored in IndexedDB, kept in the worker
 * (session.cuts) for later trainings and saved in IndexedDB, so a reload reads them back. Predictions then
 * run pixels → twin up to the cut → adapted blocks → head.
 * Measured as for head only: the blocks + the measuring head adapt on the images not held out and answer
 * for the held-out ones; with refitOnAll, a new head and a new copy of the blocks then learn from every image.
 */
import * as tf from '@tensorflow/tfjs';
import { exportSourceSpec } from '../ml/backbones';
import { blocksFeatureMap, blocksForward, copyBlocks, cutBytesPerImage, cutExtractor, cutLayerName, disposeBlocks, embedFromCut, type AdaptedBlocks } from '../ml/blocks';
import { chooseAdaptation, countCorrect } from '../ml/adaptChoice';
import { DEFAULT_FINE_TUNE_SETTINGS, fineTune, type FineTuneOptions, type FineTuneOutcome, type FineTuneSettings } from '../ml/fineTune';
import { answerRows, createHead, predictHead, trainHead, type EpochReport } from '../ml/head';
import { takeRows } from '../ml/headStep';
import { trainingViews, type FitOptions, type FitResult } from '../ml/fit';
import { APP_MAX_ADAPT_BLOCKS, type HeadSettings } from '../ml/settings';
import { augmentBatch, viewsOf, type AugmentSettings } from '../ml/augment';
import type { ModelInput } from './decode';
import type { AdaptChoiceInfo } from './protocol';
import { embeddingKey } from '../platform/db';
import { augmentOf, browserStore, kindsOf, viewName, type ViewStore } from './augmentedViews';
import { disposeCuts, hashesById, toBatch, yieldToEvents, type Session } from './session';

/** The most memory the cut-point cache may take: 1 GiB (about 12,000 images with their mirrors). */
export const CUT_CACHE_BUDGET_BYTES = 2 ** 30;

const TWIN_ID = 'mobilenet_v2_140_layers';

/** The backbone's layers twin, loaded once. */
export async function loadTwin(s: Session): Promise<tf.LayersModel> {
  const spec = exportSourceSpec(s.backbone.spec);
  if (spec.id !== TWIN_ID) throw new Error(`Adapting blocks works with the default backbone only, not ${s.backbone.spec.label}.`);
  s.twin ??= await tf.loadLayersModel(new URL(`models/${spec.folder}/model.json`, s.baseUrl).href);
  return s.twin;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** A cut-point cache over its budget: `message` says how much, for how many images. */
export class CutBudgetError extends Error {}

/** Throws (a CutBudgetError), before anything is computed, when the cut-point cache for these images would exceed the budget. */
export async function checkCutBudget(s: Session, blocks: number, images: number, views: number, budget = CUT_CACHE_BUDGET_BYTES): Promise<number> {
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > APP_MAX_ADAPT_BLOCKS) throw new Error(`Adapt 0 to ${APP_MAX_ADAPT_BLOCKS} blocks, not ${blocks}.`);
  const twin = await loadTwin(s);
  const [, h, w, c] = twin.getLayer(cutLayerName(twin, blocks)).outputShape as number[];
  const bytes = cutBytesPerImage({ cutShape: [h, w, c] }) * images * views;
  if (bytes > budget) {
    const mb = (b: number) => `${Math.round(b / 2 ** 20).toLocaleString('en-US')} MB`;
    throw new CutBudgetError(
      `adapting ${plural(blocks, 'block')} would keep ${mb(bytes)} of activations for ${plural(images, 'image')} (${views} view${views === 1 ? '' : 's'} each), more than the ${mb(budget)} allowed`,
    );
  }
  return bytes;
}

/**
 * The images' cut-point activations, computed once each: as seen, mirrored (with `mirror`) and in their
 * first K augmented views (the views augmentedViews.ts embeds, drawn from the same content hash). Each
 * comes from the worker's memory, else IndexedDB (saved there by an earlier training, keyed by the
 * image's hash and `cut<blocks>`, `cut<blocks>-mirror`, `cut<blocks>-aug-<kinds>-<i>`), else is computed
 * from the stored original and saved, so a reload recomputes none. Views of other kinds are dropped
 * first; raising K computes only the new ones.
 */
async function ensureCuts(
  s: Session, blocks: number, ids: readonly string[], mirror: boolean, augment: AugmentSettings, store: ViewStore,
  progress: (done: number, total: number) => void, shouldStop: () => boolean,
): Promise<void> {
  if (s.cuts && s.cuts.blocks !== blocks) {
    disposeCuts(s.cuts);
    s.cuts = null;
  }
  const viewKinds = kindsOf(augment).join('+');
  const cuts = (s.cuts ??= { blocks, viewKinds, rows: new Map() });
  if (cuts.viewKinds !== viewKinds) {
    cuts.rows.forEach((row) => tf.dispose(row.views.splice(0)));
    cuts.viewKinds = viewKinds;
  }
  const k = augment.views;
  // What each image still needs: 'plain', 'mirror', or view i.
  type Part = 'plain' | 'mirror' | number;
  const needs = (id: string): Part[] => {
    const row = cuts.rows.get(id);
    const have = row?.views.length ?? 0;
    return [...(row ? [] : ['plain' as const]), ...(mirror && !row?.mirror ? ['mirror' as const] : []), ...Array.from({ length: Math.max(0, k - have) }, (_, j) => have + j)];
  };
  const missing = ids.filter((id) => needs(id).length > 0);
  if (missing.length === 0) return;
  let done = 0;
  let stopped = false;
  const twin = await loadTwin(s);
  const cutLayer = cutLayerName(twin, blocks);
  const size = (twin.getLayer(cutLayer).outputShape as number[]).slice(1).reduce((a, b) => a * b, 1);
  const extract = extractorFor(s, cutLayer);
  const hashOf = hashesById(s);
  const spec = s.backbone.spec;
  const key = (id: string, part: Part) =>
    embeddingKey(spec.id, spec.preprocessVersion, hashOf.get(id) ?? id, part === 'plain' ? `cut${blocks}` : part === 'mirror' ? `cut${blocks}-mirror` : `cut${blocks}-${viewName(augment, part)}`);
  const place = (id: string, part: Part, t: tf.Tensor2D) => {
    const row = cuts.rows.get(id);
    // 'plain' is needed only by an image without a row (see needs).
    if (part === 'plain') cuts.rows.set(id, { plain: t, mirror: null, views: [] });
    else if (part === 'mirror' && row) {
      row.mirror?.dispose();
      row.mirror = t;
    } else if (typeof part === 'number' && row && row.views.length === part) row.views.push(t);
    else t.dispose(); // a mirror or view read back for an image whose own activations were not: computed below
  };
  for (let start = 0; start < missing.length; start += 16) {
    const batchIds = missing.slice(start, start + 16);
    // 1. IndexedDB: what an earlier training computed.
    if (s.persist) {
      const wanted = batchIds.flatMap((id) => needs(id).map((part) => ({ id, part })));
      const found = await store.load(wanted.map(({ id, part }) => key(id, part))).catch(() => wanted.map(() => undefined));
      wanted.forEach(({ id, part }, w) => {
        const values = found[w];
        if (values?.length === size) place(id, part, tf.tensor2d(values, [1, size]));
      });
    }
    // 2. The rest from the stored originals, saved for the next reload.
    const toCompute = batchIds.filter((id) => needs(id).length > 0);
    done += batchIds.length - toCompute.length;
    progress(done, missing.length);
    if (toCompute.length === 0) continue;
    const stored = await store.originals(toCompute);
    if (stored.length !== toCompute.length) throw new Error('some images are not in the browser storage, so their blocks cannot be adapted; reload the page and train again');
    const saves: [string, Float32Array][] = [];
    const keep = async (id: string, part: Part, t: tf.Tensor2D) => {
      const values = (await t.data()) as Float32Array; // one image at a time, so memory stays bounded
      if (s.persist) saves.push([key(id, part), values]);
      s.cutsComputed++;
      place(id, part, t);
    };
    for (const { id, image } of stored) {
      if (shouldStop()) {
        stopped = true;
        break;
      }
      const parts = needs(id);
      const views = parts.filter((p): p is number => typeof p === 'number');
      const out = tf.tidy(() => {
        const batch = toBatch(s.backbone, [image]);
        return tf.concat([
          ...(parts.includes('plain') ? [batch] : []),
          ...(parts.includes('mirror') ? [tf.reverse(batch, 2)] : []),
          ...(views.length > 0 ? [augmentBatch(batch, [viewsOf(hashOf.get(id) ?? id, augment).slice(views[0], k)])] : []),
        ]);
      });
      const rows = tf.tidy(() => tf.split(extract(out as tf.Tensor4D), out.shape[0]) as tf.Tensor2D[]);
      out.dispose();
      for (const [i, part] of parts.entries()) await keep(id, part, rows[i]);
      progress(++done, missing.length);
      await yieldToEvents();
    }
    if (saves.length > 0) await store.save(saves).catch(() => undefined);
    if (stopped) throw new Stopped();
  }
}

export interface AdaptOptions {
  blocks: number;
  /** Sample id of each training position, with its class index. */
  ids: readonly string[];
  labels: readonly number[];
  numClasses: number;
  settings: HeadSettings;
  /** The head-only fit, trained without a refit: its head is the measuring head (taken over here; copied before it adapts). */
  fit: FitResult;
  /** The frozen embeddings ([cache rows, dim], and mirrored) and the cache row of each position, for the refit's head. */
  plain: tf.Tensor2D;
  mirrored?: tf.Tensor2D;
  rows: readonly number[];
  /** The head's augmented views (fitHead's `augmented`), for the refit's head; the blocks adapt on the views' cut activations. */
  augmented?: FitOptions['augmented'];
  onEpoch?: (report: EpochReport) => void;
  shouldStop: () => boolean;
  /** Where stored activations and the originals come from (IndexedDB unless a test passes its own). */
  store?: ViewStore;
  /** The cut-point cache's budget (CUT_CACHE_BUDGET_BYTES unless a test passes a smaller one). */
  budgetBytes?: number;
}

export interface AdaptResult {
  head: tf.LayersModel;
  /** The adapted blocks kept, or null: the head alone was kept (auto's choice, Stop, or refused). */
  adapted: AdaptedBlocks | null;
  choice: AdaptChoiceInfo;
  refit: boolean;
  /** The kept model's answers for the fit's positions: the adapted network's, or the head alone's (fit.answers). */
  answers: { predicted: number[]; confidence: number[] };
  /** The measuring run of the blocks (null when it never ran). */
  tuned: FineTuneOutcome | null;
  cutBytes: number;
  ms: number;
}

/** fineTune's outcome and options as the fine-tuning recipe's contract has them (validation, best epoch), older ones too. */
type Outcome = FineTuneOutcome & { bestEpoch?: number; validationAccuracy?: number[] };
type TuneOptions = FineTuneOptions & { validation?: { rows: readonly number[]; labels: readonly number[] } };

/** A copy of a head (same layers, same weights), so the original stays as it was while the copy learns. */
function copyHead(head: tf.LayersModel, dim: number, numClasses: number, settings: HeadSettings): tf.LayersModel {
  const copy = createHead(dim, numClasses, settings);
  copy.setWeights(head.getWeights());
  return copy;
}

/**
 * The fit's measuring head + the last blocks adapted, then "Adapt: auto" (see the file's comment):
 * the cut-point cache is checked against its budget (over it: refused, the head alone is kept and refit);
 * each image's activations at the cut are prepared (progress 'cuts'); one step is timed on throwaway
 * copies, for the estimate (an 'adapt' report at epoch 0); a copy of the measuring head adapts with the
 * blocks on the images not held out, early stopping on the held-out ones; then the head alone's and the
 * adapted network's held-out answers are compared (chooseAdaptation). The head kept: only it is refit on
 * every image; the adapted kept: a new head, then new blocks with it, for the best epoch's passes. Stop
 * during any of it keeps the head alone (the refit head if it had finished, else the measuring head).
 * The fit's head is taken over: kept, or disposed.
 */
export async function adaptBlocks(s: Session, options: AdaptOptions): Promise<AdaptResult> {
  const { blocks, ids, labels, numClasses, settings, fit } = options;
  const started = performance.now();
  const n = ids.length;
  const dim = options.plain.shape[1];
  const mirror = settings.mirrorAugment || fit.testTimeFlip;
  const augment = augmentOf(settings);
  const k = augment.views;
  const mode = settings.adaptChoice ?? 'auto';
  const heldOut = fit.scope === 'validation' ? fit.positions : [];
  const heldOutLabels = heldOut.map((p) => labels[p]);
  // fit.answers follow fit.positions, which are the held-out positions when there are any.
  const choiceBase = {
    mode, blocks, parts: [] as string[], total: heldOut.length, headCorrect: heldOut.length > 0 ? countCorrect(fit.answers.predicted, heldOutLabels) : 0,
    adaptedCorrect: 0, stopped: false, refused: false,
  };
  const batches = (count: number) => Math.ceil(count / DEFAULT_FINE_TUNE_SETTINGS.batchSize);
  const willRefit = settings.refitOnAll && fit.scope === 'validation';
  const measuredSet = new Set(heldOut);
  const trainPositions = ids.map((_, p) => p).filter((p) => !measuredSet.has(p));
  const report = (phase: EpochReport['phase'], epoch: number, epochs: number, ms: number, extra: Partial<EpochReport> = {}) =>
    options.onEpoch?.({ phase, blocks, epoch, epochs, loss: NaN, accuracy: NaN, valLoss: null, valAccuracy: null, ms, ...extra });

  let cutBytes = 0;
  let tuned: Outcome | null = null;
  // What this call holds: the fit's head until it is kept or disposed, tensors freed at the end, blocks and heads not (yet) kept.
  const owned: { head: tf.LayersModel | null; tensors: tf.Tensor[]; blocks: AdaptedBlocks[]; heads: tf.LayersModel[] } = { head: fit.head, tensors: [], blocks: [], heads: [] };
  const release = () => {
    owned.blocks.splice(0).forEach(disposeBlocks);
    owned.heads.splice(0).forEach((h) => h.dispose());
  };

  /** A head alone trained on every image (fitHead's refit), or null when stopped; `features`/`views` as fitHead trains on. */
  const refitHead = async (): Promise<tf.LayersModel | null> => {
    const { features: all, views } = trainingViews(options.plain, settings.mirrorAugment ? options.mirrored : undefined, options.augmented, options.rows);
    const finalHead = createHead(dim, numClasses, settings);
    try {
      const limit = settings.earlyStoppingPatience > 0 ? fit.outcome.bestEpoch : undefined;
      const run = await trainHead({
        head: finalHead, features: all, rows: options.rows, labels, numClasses, epochLimit: limit, views,
        settings: { ...settings, validationFraction: 0 }, phase: 'final',
        onEpoch: options.onEpoch, shouldStop: options.shouldStop, yieldToEvents,
      });
      if (!run.stopped) return finalHead;
      finalHead.dispose();
      return null;
    } catch (error) {
      finalHead.dispose();
      throw error;
    } finally {
      if (all !== options.plain) all.dispose();
    }
  };

  /** The head alone kept: `head` (the measuring head unless given), refit on every image when `refit`. */
  const keepHead = async (choice: AdaptChoiceInfo, refit: boolean, head: tf.LayersModel = fit.head): Promise<AdaptResult> => {
    release();
    let kept = head;
    let refitted = head !== fit.head;
    if (refit && willRefit) {
      const final = await refitHead();
      if (final) {
        kept = final;
        refitted = true;
      }
    }
    if (kept !== fit.head) fit.head.dispose();
    owned.head = null;
    return { head: kept, adapted: null, choice, refit: refitted, answers: fit.answers, tuned, cutBytes, ms: performance.now() - started };
  };
  const stoppedChoice = (parts: string[] = []): AdaptChoiceInfo => ({
    ...choiceBase, parts, kept: 'head', stopped: true,
    reason: `Adapting ${plural(blocks, 'block')} was stopped, so the head alone was kept (its figures are shown).`,
  });

  try {
    if (mode === 'auto' && heldOut.length === 0) {
      // Nothing to compare on: auto keeps the head, so the minutes adapting would take are not spent.
      const { kept, reason } = chooseAdaptation({ blocks, total: 0, headCorrect: 0, adaptedCorrect: 0 });
      return await keepHead({ ...choiceBase, kept, reason }, true);
    }
    try {
      cutBytes = await checkCutBudget(s, blocks, n, (mirror ? 2 : 1) + k, options.budgetBytes);
    } catch (error) {
      if (!(error instanceof CutBudgetError)) throw error;
      const reason = `${error.message[0].toUpperCase()}${error.message.slice(1)}, so only the head was trained (adapt fewer blocks or use fewer images to adapt).`;
      return await keepHead({ ...choiceBase, kept: 'head', refused: true, reason }, true);
    }
    const cutsStarted = performance.now();
    try {
      await ensureCuts(s, blocks, ids, mirror, augment, options.store ?? browserStore(s), (done, total) => {
        const elapsed = performance.now() - cutsStarted;
        report('cuts', done, total, elapsed, done > 0 ? { msLeft: (elapsed / done) * (total - done) } : {});
      }, options.shouldStop);
    } catch (error) {
      if (error instanceof Stopped) return await keepHead(stoppedChoice(), false);
      throw error;
    }
    const rowsOf = s.cuts!.rows;
    // Rows 0…n−1: the positions' images as seen; n…2n−1: mirrored; then position p's K views at viewsStart + p·K….
    const cut = tf.concat([
      ...ids.map((id) => rowsOf.get(id)!.plain),
      ...(mirror ? ids.map((id) => rowsOf.get(id)!.mirror!) : []),
      ...ids.flatMap((id) => rowsOf.get(id)!.views.slice(0, k)),
    ]) as tf.Tensor2D;
    owned.tensors.push(cut);
    const twin = await loadTwin(s);
    const viewsStart = mirror ? 2 * n : n;
    const tuneSettings: FineTuneSettings = { ...DEFAULT_FINE_TUNE_SETTINGS, epochs: settings.adaptEpochs, labelSmoothing: settings.labelSmoothing, balanceClasses: settings.balanceClasses, seed: settings.seed };
    const stepsFor = (count: number, epochs: number) => batches(count) * epochs;
    const tune = (adapted: AdaptedBlocks, head: tf.LayersModel, positions: readonly number[], phase: 'adapt' | 'adapt-final', epochs: number, later: number, validation?: TuneOptions['validation']) => {
      const tuneOptions: TuneOptions = {
        adapted, head, cut, numClasses,
        rows: positions,
        labels: positions.map((p) => labels[p]),
        views: settings.mirrorAugment || k > 0 ? positions.map((p) => [...(settings.mirrorAugment ? [n + p] : []), ...Array.from({ length: k }, (_, j) => viewsStart + p * k + j)]) : undefined,
        settings: { ...tuneSettings, epochs },
        ...(validation && validation.rows.length > 0 ? { validation } : {}),
        // Time left: this run's remaining steps and `later` steps after it, at the last pass's measured time per step.
        onEpoch: (epoch, loss, ms) => {
          const perStep = ms / batches(positions.length);
          report(phase, epoch, epochs, ms, { loss, msLeft: perStep * (stepsFor(positions.length, epochs - epoch) + later) });
        },
        shouldStop: options.shouldStop,
        yieldToEvents,
      };
      return fineTune(tuneOptions) as Promise<Outcome>;
    };
    let parts: string[] = [];
    // The estimate: one step timed on throwaway copies of the blocks and the head.
    const refitSteps = willRefit ? stepsFor(n, settings.adaptEpochs) : 0;
    const steps = stepsFor(trainPositions.length, settings.adaptEpochs) + refitSteps;
    {
      const trialBlocks = copyBlocks(twin, blocks);
      const trialHead = copyHead(fit.head, dim, numClasses, settings);
      owned.blocks.push(trialBlocks);
      owned.heads.push(trialHead);
      parts = adaptedParts(trialBlocks);
      const trialRows = (trainPositions.length > 0 ? trainPositions : ids.map((_, p) => p)).slice(0, DEFAULT_FINE_TUNE_SETTINGS.batchSize);
      const t0 = performance.now();
      await fineTune({ adapted: trialBlocks, head: trialHead, cut, numClasses, rows: trialRows, labels: trialRows.map((p) => labels[p]), settings: { ...tuneSettings, epochs: 1 } });
      const stepMs = performance.now() - t0;
      release();
      report('adapt', 0, settings.adaptEpochs, stepMs, { estimate: { stepMs, steps, ms: stepMs * steps }, msLeft: stepMs * steps });
    }
    if (options.shouldStop()) return await keepHead(stoppedChoice(parts), false);

    // Measure: a copy of the measuring head adapts with the blocks on the images not held out.
    const measuringHead = copyHead(fit.head, dim, numClasses, settings);
    const adapted = copyBlocks(twin, blocks);
    owned.heads.push(measuringHead);
    owned.blocks.push(adapted);
    const heldOutRows = { rows: heldOut, labels: heldOutLabels };
    tuned = await tune(adapted, measuringHead, trainPositions, 'adapt', settings.adaptEpochs, refitSteps, heldOutRows);
    if (tuned.stopped) return await keepHead(stoppedChoice(parts), false);
    // The adapted network's answers for the fit's positions (the metrics and mistakes shown if it is kept).
    const rowsAt = (from: number) => {
      const index = tf.tensor1d(fit.positions.map((p) => from + p), 'int32');
      const picked = takeRows(cut, index);
      index.dispose();
      try {
        return embedFromCut(adapted, picked);
      } finally {
        picked.dispose();
      }
    };
    const features = rowsAt(0);
    owned.tensors.push(features);
    const flipped = fit.testTimeFlip ? rowsAt(n) : undefined;
    if (flipped) owned.tensors.push(flipped);
    const answers = await answerRows(measuringHead, features, fit.positions.map((_, i) => i), flipped);
    const adaptedCorrect = heldOut.length > 0 ? countCorrect(answers.predicted, heldOutLabels) : 0;
    const auto = chooseAdaptation({ blocks, total: heldOut.length, headCorrect: choiceBase.headCorrect, adaptedCorrect });
    const kept = mode === 'always' ? 'adapted' : auto.kept;
    const reason = kept === auto.kept ? auto.reason
      : heldOut.length > 0 ? `${auto.reason.replace(/ Kept the head only\.$/, '')} Kept the adapted blocks anyway (Adapt: always).`
      : `No images were held out to compare on; Adapt: always kept the ${plural(blocks, 'adapted block')}.`;
    const choice: AdaptChoiceInfo = { ...choiceBase, parts, adaptedCorrect, kept, reason };
    if (kept === 'head') return await keepHead(choice, true);

    /** The adapted network kept: `head` and `keptBlocks` are taken out of what release() frees, the fit's head is disposed. */
    const keepAdapted = (head: tf.LayersModel, keptBlocks: AdaptedBlocks, refit: boolean, outcome: Outcome): AdaptResult => {
      owned.heads.splice(owned.heads.indexOf(head), 1);
      owned.blocks.splice(owned.blocks.indexOf(keptBlocks), 1);
      release();
      fit.head.dispose();
      owned.head = null;
      return { head, adapted: keptBlocks, choice, refit, answers, tuned: outcome, cutBytes, ms: performance.now() - started };
    };
    // The adapted kept. With refitOnAll: a new head on every image, then new blocks with it, for the best epoch's passes.
    if (!willRefit) return keepAdapted(measuringHead, adapted, false, tuned);
    const finalHead = await refitHead();
    if (!finalHead) return await keepHead(stoppedChoice(parts), false);
    owned.heads.push(finalHead);
    const finalBlocks = copyBlocks(twin, blocks);
    owned.blocks.push(finalBlocks);
    const passes = tuned.bestEpoch ?? settings.adaptEpochs;
    const finalTuned = await tune(finalBlocks, finalHead, ids.map((_, p) => p), 'adapt-final', passes, 0);
    if (finalTuned.stopped) {
      // The head alone, refit on every image, is kept: it finished before Stop.
      owned.heads.splice(owned.heads.indexOf(finalHead), 1);
      return await keepHead(stoppedChoice(parts), false, finalHead);
    }
    return keepAdapted(finalHead, finalBlocks, true, finalTuned);
  } catch (error) {
    release();
    owned.head?.dispose();
    throw error;
  } finally {
    tf.dispose(owned.tensors);
  }
}

/** Stop pressed while adapting. */
class Stopped extends Error {}

/** Class probabilities [1, k] of one decoded image through the adapted blocks (test-time flip as the head was trained). */
export function predictAdapted(s: Session, image: ModelInput): tf.Tensor2D {
  const adapted = s.adapted!;
  const extract = extractorFor(s, adapted.cutLayer);
  return tf.tidy(() => {
    const batch = toBatch(s.backbone, [image]);
    const features = blocksForward(adapted, extract(batch));
    return predictHead(s.head!, features, s.headTestTimeFlip ? blocksForward(adapted, extract(tf.reverse(batch, 2))) : undefined);
  });
}

/** One view's embedding through the adapted blocks, with the feature map it is the mean of (heat maps). Call inside tidy. */
export function adaptedView(s: Session, pixels: tf.Tensor4D): { embedding: tf.Tensor2D; map: tf.Tensor4D } {
  const adapted = s.adapted!;
  const map = blocksFeatureMap(adapted, extractorFor(s, adapted.cutLayer)(pixels));
  const [n, h, w, c] = map.shape;
  return { embedding: map.reshape([n, h * w, c]).mean(1) as tf.Tensor2D, map };
}

let extractor: { twin: tf.LayersModel; cutLayer: string; run: (pixels: tf.Tensor4D) => tf.Tensor2D } | null = null;

/** The twin up to the cut, made once per twin and cut. */
function extractorFor(s: Session, cutLayer: string): (pixels: tf.Tensor4D) => tf.Tensor2D {
  if (!s.twin) throw new Error('the layers backbone is not loaded');
  if (extractor?.twin !== s.twin || extractor.cutLayer !== cutLayer) extractor = { twin: s.twin, cutLayer, run: cutExtractor(s.twin, cutLayer) };
  return extractor.run;
}

/** The backbone parts an adapted model trains, as Under the hood names them. */
export function adaptedParts(adapted: AdaptedBlocks): string[] {
  return [...adapted.blocks.map((b) => b.name), 'Conv_1'];
}

/** Parameters of the adapted blocks. */
export function adaptedParams(adapted: AdaptedBlocks): number {
  return adapted.variables.reduce((sum, v) => sum + v.size, 0);
}
