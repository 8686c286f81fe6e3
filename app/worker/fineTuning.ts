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
import { blocksFeatureMap, blocksForward, copyBlocks, cutBytesPerImage, cutExtractor, cutLayerName, disposeBlocks, embedFromCut, MAX_ADAPT_BLOCKS, type AdaptedBlocks } from '../ml/blocks';
import { DEFAULT_FINE_TUNE_SETTINGS, fineTune, type FineTuneOutcome, type FineTuneSettings } from '../ml/fineTune';
import { answerRows, createHead, predictHead, trainHead, type EpochReport } from '../ml/head';
import { takeRows } from '../ml/headStep';
import { trainingViews, type FitOptions, type FitResult } from '../ml/fit';
import type { HeadSettings } from '../ml/settings';
import { augmentBatch, viewsOf, type AugmentSettings } from '../ml/augment';
import type { DecodedImage } from './decode';
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

/**
 * The images' cut-point activations, computed once each: as seen, mirrored (with `mirror`) and in their
 * first K augmented views (the views augmentedViews.ts embeds, drawn from the same content hash). Each
 * comes from the worker's memory, else IndexedDB (saved there by an earlier training, keyed by the
 * image's hash and `cut<blocks>`, `cut<blocks>-mirror`, `cut<blocks>-aug-<kinds>-<i>`), else is computed
 * from the stored original and saved, so a reload recomputes none. Views of other kinds are dropped
 * first; raising K computes only the new ones.
 */
async function ensureCuts(s: Session, blocks: number, ids: readonly string[], mirror: boolean, augment: AugmentSettings, store: ViewStore): Promise<void> {
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
      await yieldToEvents();
    }
    if (saves.length > 0) await store.save(saves).catch(() => undefined);
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
  /** Where stored activations and the originals come from (IndexedDB unless a test passes its own). */
  store?: ViewStore;
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
    await ensureCuts(s, blocks, ids, mirror, augment, options.store ?? browserStore(s));
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
