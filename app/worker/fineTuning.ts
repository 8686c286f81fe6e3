/**
 * Adapting the last blocks in the app (settings.adaptBlocks > 0). The head is trained on the cached
 * embeddings as for head only; then the last N blocks + Conv_1, copied out of the layers twin, learn
 * together with that head (fineTune, app/ml) from each image's cut-point activations: computed once per
 * image (and its mirror) from the original stored in IndexedDB, kept in the worker (session.cuts) for
 * later trainings, gone after a reload (recomputed then from the stored originals). Predictions then
 * run pixels → twin up to the cut → adapted blocks → head.
 * Measured as for head only: the blocks + the measuring head adapt on the images not held out and answer
 * for the held-out ones; with refitOnAll, a new head and a new copy of the blocks then learn from every image.
 */
import * as tf from '@tensorflow/tfjs';
import { exportSourceSpec } from '../ml/backbones';
import { blocksForward, copyBlocks, cutBytesPerImage, cutExtractor, cutLayerName, disposeBlocks, embedFromCut, MAX_ADAPT_BLOCKS, type AdaptedBlocks } from '../ml/blocks';
import { DEFAULT_FINE_TUNE_SETTINGS, fineTune, type FineTuneOutcome, type FineTuneSettings } from '../ml/fineTune';
import { answerRows, createHead, predictHead, trainHead, type EpochReport } from '../ml/head';
import { takeRows } from '../ml/headStep';
import { trainingViews, type FitOptions, type FitResult } from '../ml/fit';
import type { HeadSettings } from '../ml/settings';
import { augmentBatch, viewsOf, type AugmentSettings } from '../ml/augment';
import type { DecodedImage } from './decode';
import { augmentOf, kindsOf } from './augmentedViews';
import { decodeStored, disposeCuts, hashesById, toBatch, yieldToEvents, type Session } from './session';

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

/** Throws, before anything is computed, when the cut-point cache for these images would exceed the budget. */
export async function checkCutBudget(s: Session, blocks: number, images: number, views: number): Promise<number> {
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > MAX_ADAPT_BLOCKS) throw new Error(`Adapt 0 to ${MAX_ADAPT_BLOCKS} blocks, not ${blocks}.`);
  const twin = await loadTwin(s);
  const [, h, w, c] = twin.getLayer(cutLayerName(twin, blocks)).outputShape as number[];
  const bytes = cutBytesPerImage({ cutShape: [h, w, c] }) * images * views;
  if (bytes > CUT_CACHE_BUDGET_BYTES) {
    const mb = (b: number) => `${Math.round(b / 2 ** 20).toLocaleString('en-US')} MB`;
    throw new Error(
      `adapting blocks would keep ${mb(bytes)} of activations for ${plural(images, 'image')} (${views} view${views === 1 ? '' : 's'} each), more than the ${mb(CUT_CACHE_BUDGET_BYTES)} allowed: train the head only (adapt 0 blocks) or use fewer images`,
    );
  }
  return bytes;
}

/** Decoded stored originals of samples (IndexedDB in the app; tests pass their own). */
export type Originals = (ids: string[]) => Promise<{ id: string; image: DecodedImage }[]>;

/**
 * The images' cut-point activations, computed once each from the stored originals: as seen, mirrored
 * (with `mirror`) and in their first K augmented views (the views augmentedViews.ts embeds, drawn from
 * the same content hash). Views of other kinds are dropped first; raising K computes only the new ones.
 */
async function ensureCuts(s: Session, blocks: number, ids: readonly string[], mirror: boolean, augment: AugmentSettings, originals: Originals): Promise<void> {
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
  const lacksBase = (id: string) => {
    const row = cuts.rows.get(id);
    return !row || (mirror && !row.mirror);
  };
  const missing = ids.filter((id) => lacksBase(id) || (cuts.rows.get(id)?.views.length ?? 0) < k);
  if (missing.length === 0) return;
  const twin = await loadTwin(s);
  const extract = extractorFor(s, cutLayerName(twin, blocks));
  const hashOf = hashesById(s);
  for (let start = 0; start < missing.length; start += 16) {
    const batchIds = missing.slice(start, start + 16);
    const stored = await originals(batchIds);
    if (stored.length !== batchIds.length) throw new Error('some images are not in the browser storage, so their blocks cannot be adapted; reload the page and train again');
    const base = stored.filter((sample) => lacksBase(sample.id));
    if (base.length > 0) {
      const [plain, mirrored] = tf.tidy(() => {
        const batch = toBatch(s.backbone, base.map((sample) => sample.image));
        const split = (x: tf.Tensor2D) => tf.split(x, x.shape[0]) as tf.Tensor2D[];
        return [split(extract(batch)), mirror ? split(extract(tf.reverse(batch, 2))) : []];
      });
      await plain[0].data(); // one batch at a time, so memory stays bounded
      base.forEach((sample, i) => {
        const old = cuts.rows.get(sample.id);
        old?.plain.dispose();
        old?.mirror?.dispose();
        cuts.rows.set(sample.id, { plain: plain[i], mirror: mirror ? mirrored[i] : null, views: old?.views ?? [] });
      });
    }
    for (const { id, image } of stored) {
      const row = cuts.rows.get(id)!;
      if (row.views.length >= k) continue;
      const views = viewsOf(hashOf.get(id) ?? id, augment).slice(row.views.length, k);
      const out = tf.tidy(() => extract(augmentBatch(toBatch(s.backbone, [image]), [views])));
      await out.data();
      row.views.push(...(tf.split(out, views.length) as tf.Tensor2D[]));
      out.dispose();
    }
    await yieldToEvents();
  }
}

export interface AdaptOptions {
  blocks: number;
  /** Sample id of each training position, with its class index. */
  ids: readonly string[];
  labels: readonly number[];
  numClasses: number;
  settings: HeadSettings;
  /** The head-only fit, trained without a refit: its head is the measuring head, adapted here. */
  fit: FitResult;
  /** The frozen embeddings ([cache rows, dim], and mirrored) and the cache row of each position, for the refit's head. */
  plain: tf.Tensor2D;
  mirrored?: tf.Tensor2D;
  rows: readonly number[];
  /** The head's augmented views (fitHead's `augmented`), for the refit's head; the blocks adapt on the views' cut activations. */
  augmented?: FitOptions['augmented'];
  onEpoch?: (report: EpochReport) => void;
  shouldStop: () => boolean;
  /** Where the originals come from (IndexedDB unless a test passes its own). */
  originals?: Originals;
}

export interface AdaptResult {
  head: tf.LayersModel;
  adapted: AdaptedBlocks;
  refit: boolean;
  answers: { predicted: number[]; confidence: number[] };
  tuned: FineTuneOutcome;
  cutBytes: number;
  ms: number;
}

/** The fit's measuring head + the last blocks adapted (see the file's comment); the fit's head is taken over. */
export async function adaptBlocks(s: Session, options: AdaptOptions): Promise<AdaptResult> {
  const { blocks, ids, labels, numClasses, settings, fit } = options;
  const started = performance.now();
  const n = ids.length;
  const mirror = settings.mirrorAugment || fit.testTimeFlip;
  const augment = augmentOf(settings);
  const k = augment.views;
  let cutBytes: number;
  let cut: tf.Tensor2D;
  let twin: tf.LayersModel;
  try {
    cutBytes = await checkCutBudget(s, blocks, n, (mirror ? 2 : 1) + k);
    await ensureCuts(s, blocks, ids, mirror, augment, options.originals ?? ((batch) => decodeStored(s, batch)));
    const rowsOf = s.cuts!.rows;
    // Rows 0…n−1: the positions' images as seen; n…2n−1: mirrored; then position p's K views at viewsStart + p·K….
    cut = tf.concat([
      ...ids.map((id) => rowsOf.get(id)!.plain),
      ...(mirror ? ids.map((id) => rowsOf.get(id)!.mirror!) : []),
      ...ids.flatMap((id) => rowsOf.get(id)!.views.slice(0, k)),
    ]) as tf.Tensor2D;
    twin = await loadTwin(s);
  } catch (error) {
    fit.head.dispose();
    throw error;
  }
  const viewsStart = mirror ? 2 * n : n;
  const tuneSettings: FineTuneSettings = { ...DEFAULT_FINE_TUNE_SETTINGS, epochs: settings.adaptEpochs, labelSmoothing: settings.labelSmoothing, balanceClasses: settings.balanceClasses, seed: settings.seed };
  const tune = async (adapted: AdaptedBlocks, head: tf.LayersModel, positions: readonly number[], phase: EpochReport['phase']) =>
    fineTune({
      adapted, head, cut, numClasses,
      rows: positions,
      labels: positions.map((p) => labels[p]),
      views: settings.mirrorAugment || k > 0 ? positions.map((p) => [...(settings.mirrorAugment ? [n + p] : []), ...Array.from({ length: k }, (_, j) => viewsStart + p * k + j)]) : undefined,
      settings: tuneSettings,
      onEpoch: (epoch, loss, ms) => options.onEpoch?.({ phase, blocks, epoch, epochs: tuneSettings.epochs, loss, accuracy: NaN, valLoss: null, valAccuracy: null, ms }),
      shouldStop: options.shouldStop,
      yieldToEvents,
    });
  let head = fit.head;
  let adapted = copyBlocks(twin, blocks);
  const extra: tf.Tensor[] = [cut];
  try {
    const measured = fit.scope === 'validation' ? new Set(fit.positions) : new Set<number>();
    let tuned = await tune(adapted, head, ids.map((_, p) => p).filter((p) => !measured.has(p)), 'adapt');
    // The answers shown (metrics, mistakes) come from the adapted blocks + head.
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
    const flipped = fit.testTimeFlip ? rowsAt(n) : undefined;
    extra.push(features, ...(flipped ? [flipped] : []));
    const answers = await answerRows(head, features, fit.positions.map((_, i) => i), flipped);
    let refit = false;
    if (settings.refitOnAll && fit.scope === 'validation' && !tuned.stopped) {
      // As fitHead's refit: a new head on every image's frozen embedding, then new blocks adapt with it.
      const { features: all, views } = trainingViews(options.plain, settings.mirrorAugment ? options.mirrored : undefined, options.augmented, options.rows);
      if (all !== options.plain) extra.push(all);
      const finalHead = createHead(options.plain.shape[1], numClasses, settings);
      const finalBlocks = copyBlocks(twin, blocks);
      try {
        const limit = settings.earlyStoppingPatience > 0 ? fit.outcome.bestEpoch : undefined;
        const headRun = await trainHead({
          head: finalHead, features: all, rows: options.rows, labels, numClasses, epochLimit: limit,
          views,
          settings: { ...settings, validationFraction: 0 }, phase: 'final',
          onEpoch: options.onEpoch, shouldStop: options.shouldStop, yieldToEvents,
        });
        const finalTuned = headRun.stopped ? null : await tune(finalBlocks, finalHead, ids.map((_, p) => p), 'adapt-final');
        if (!finalTuned || finalTuned.stopped) throw new Stopped();
        head.dispose();
        disposeBlocks(adapted);
        head = finalHead;
        adapted = finalBlocks;
        tuned = finalTuned;
        refit = true;
      } catch (error) {
        finalHead.dispose();
        disposeBlocks(finalBlocks);
        if (!(error instanceof Stopped)) throw error;
      }
    }
    return { head, adapted, refit, answers, tuned, cutBytes, ms: performance.now() - started };
  } catch (error) {
    head.dispose();
    disposeBlocks(adapted);
    throw error;
  } finally {
    tf.dispose(extra);
  }
}

/** A stopped refit keeps the measured model, as fitHead does. */
class Stopped extends Error {}

/** Class probabilities [1, k] of one decoded image through the adapted blocks (test-time flip as the head was trained). */
export function predictAdapted(s: Session, image: DecodedImage): tf.Tensor2D {
  const adapted = s.adapted!;
  const extract = extractorFor(s, adapted.cutLayer);
  return tf.tidy(() => {
    const batch = toBatch(s.backbone, [image]);
    const features = blocksForward(adapted, extract(batch));
    return predictHead(s.head!, features, s.headTestTimeFlip ? blocksForward(adapted, extract(tf.reverse(batch, 2))) : undefined);
  });
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
