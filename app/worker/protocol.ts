/**
 * The one typed contract between the UI and the worker. Plain data only: it crosses
 * postMessage (via Comlink), so no tensors, classes or functions except progress callbacks.
 */
import type { BackbonePart } from '../ml/backboneParts';
import type { EpochReport } from '../ml/head';
import type { HeadSettings } from '../ml/settings';
import type { MeasuredImage, Metrics } from '../ml/metrics';
import type { Preprocessing } from '../ml/net/network';

export type { EpochReport, HeadSettings, MeasuredImage, Metrics, Preprocessing };

export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendRequest = BackendName | 'auto';

export interface RememberedBackend {
  /** Identifies the device (user agent + adapter) the measurement was made on. */
  key: string;
  backend: BackendName;
  reason: string;
}

export interface InitOptions {
  backend: BackendRequest;
  /** Absolute URL the app is served from; models and wasm binaries live under it. */
  baseUrl: string;
  backboneId?: string;
  /** A previous auto choice for this device, if the UI remembered one. */
  remembered?: RememberedBackend | null;
  /** `?threads=N` from the page URL: the wasm backend's thread count (1 forces the single-threaded build). */
  threads?: number | null;
  /** The threaded wasm build did not start in this browser before: use the single-threaded one (wasmThreads.ts). */
  threadsStalled?: boolean;
  /**
   * Keep embeddings and the trained head in IndexedDB and read stored originals from it (default true);
   * false (no storage in this browser) keeps the originals of the samples it is given in the worker's memory.
   */
  persist?: boolean;
  /** Backends `auto` must not pick (one that just failed, e.g. a lost GPU device). */
  avoid?: BackendName[];
}

/** A camera frame's centre square at the backbone's input size, as RGBA bytes (a canvas's ImageData). */
export interface FramePixels {
  rgba: Uint8ClampedArray;
  size: number;
}

/** What Preview and the live camera classify: an image file, or a camera frame's pixels (no encoding on the way). */
export type PredictInput = Blob | FramePixels;

/** Told to the page around the threaded wasm build's start, so it can end a worker that never finishes it. */
export type ThreadsStage = 'starting' | 'started';

export interface BackendChoice {
  backend: BackendName;
  /** Why this backend, in words the UI shows. */
  reason: string;
  /** WebGPU adapter description, null when there is none. */
  adapter: string | null;
  /** Measured warm-up ms per image, per backend tried. */
  measuredMs: Partial<Record<BackendName, number>>;
  /** Set when the choice came from an auto measurement the UI may remember for this device. */
  remember: RememberedBackend | null;
  /** On wasm, the threads its build actually runs (TF.js's getThreadsCount); null on another backend. */
  wasmThreads: number | null;
}

export interface ModelInfo {
  choice: BackendChoice;
  backbone: { id: string; label: string; featureDim: number; paramCount: number; inputSize: number; parts: BackbonePart[] };
  loadMs: number;
}

export interface SampleInput {
  id: string;
  classId: string;
  name: string;
  /** The file; left out when restoring a saved sample, whose original the worker reads from storage only if it must decode it. */
  blob?: Blob;
  /** Known when restoring a saved sample: with a stored embedding, nothing is decoded or embedded. */
  hash?: string;
  thumbnail?: Blob;
}

export type SampleResult =
  | { id: string; name: string; ok: true; thumbnail: Blob; hash: string }
  | { id: string; name: string; ok: false; error: string };

export interface IngestProgress {
  done: number;
  total: number;
}

/** What one embedding batch of an ingest produced: sent as soon as it is done, so the page can save and show it. */
export interface IngestBatch extends IngestProgress {
  results: SampleResult[];
}

export interface TrainRequest {
  /** Classes in output order; each must have cached samples. */
  classIds: string[];
  settings: HeadSettings;
}

export interface HeadLayerInfo {
  name: string;
  kind: string;
  outputShape: string;
  params: number;
}

export interface TrainSummary {
  stopped: boolean;
  /** True when the kept head was retrained on every image after the held-out measurement. */
  refit: boolean;
  epochsRun: number;
  history: EpochReport[];
  /** Metrics on the held-out validation images, or on the training images when there were too few to hold any out. */
  metrics: Metrics & { scope: 'validation' | 'training' };
  /** Each image the metrics were measured on (the confusion matrix's cells, the mistakes); absent in heads saved before. */
  measured?: MeasuredImage[];
  classIds: string[];
  params: { frozen: number; trainable: number };
  headLayers: HeadLayerInfo[];
  optimizer: { name: string; variables: number; bytes: number; varList: string[] };
  trainMs: number;
  /** Whether predictions average each image and its mirror (settings.testTimeFlip when trained). */
  testTimeFlip: boolean;
  /** The head trained single-threaded in a worker of its own, because wasm runs threaded here (fitElsewhere.ts); absent in heads saved before. */
  trainedApart?: boolean;
  /**
   * Set when the last blocks were adapted with the head: how many, the backbone parts that trained
   * (as Under the hood names them), the fine-tuning's epochs and time, and the cut-point cache's bytes.
   * `params` and `optimizer` above are then the fine-tuning run's. Absent for head-only training.
   */
  adapted?: { blocks: number; parts: string[]; epochsRun: number; ms: number; cutBytes: number };
  /** Set whenever blocks were to adapt (settings.adaptBlocks > 0): what was kept and why (docs/adapt-auto.md). */
  adaptChoice?: AdaptChoiceInfo;
  /**
   * Set when the head learned from augmented views too: K per image, their kinds, the images, the views
   * the backbone computed for this training (0 when all came from memory or IndexedDB), the time spent
   * preparing them, and their bytes in memory (images × K × dim × 4). Absent without augmented views.
   */
  augmented?: { views: number; kinds: string[]; images: number; computed: number; loaded: number; ms: number; bytes: number };
  /** Why the trained head could not be saved (it still works until the page is closed); null when saved. */
  saveError: string | null;
}

/**
 * "Adapt: auto" (or 'always'): the held-out figures of the head alone and of the adapted network, which one
 * the model kept, and the plain sentence saying why (app/ml/adaptChoice.ts). `stopped`: Stop was pressed
 * while adapting; `refused`: the cut-point cache would not fit its budget. Both keep the head alone.
 */
export interface AdaptChoiceInfo {
  mode: 'auto' | 'always';
  blocks: number;
  /** The backbone parts that adapted (kept or not). */
  parts: string[];
  kept: 'adapted' | 'head';
  reason: string;
  total: number;
  headCorrect: number;
  adaptedCorrect: number;
  stopped: boolean;
  refused: boolean;
}

export interface ClassScore {
  classId: string;
  probability: number;
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  cachedEmbeddings: number;
  cacheBytes: number;
  /** Embeddings computed by the backbone since the worker started (each image exactly once). */
  embeddingsComputed: number;
  /** Mirrors (an image flipped left-right) computed since the worker started, behind the ingest or before training; each image's once ever. */
  mirrorsComputed: number;
  /** Cached images whose mirror is not computed yet (computed behind, or by the next training). */
  mirrorsOwed: number;
  /** Augmented views' embeddings computed by the backbone since the worker started (each view of each image once ever). */
  viewsComputed: number;
  /** Augmented views' embeddings held in the worker, and their bytes (views × dim × 4). */
  augmentedViews: number;
  augmentedBytes: number;
  /** Images whose cut-point activations (fine-tuning) the worker holds, and their bytes (as seen and mirrored). */
  cutActivations: number;
  cutBytes: number;
  /** Cut-point activations (an image, its mirror or a view) computed since the worker started; the rest were read back from IndexedDB. */
  cutsComputed: number;
  /** Size of the WASM backend's linear memory (it grows to its peak and is never returned); null on other backends. */
  wasmHeapBytes: number | null;
}

/** Check labels (worker/labelCheck.ts): the classes in order (each with images), the head settings, and how many folds (default 5). */
export interface LabelCheckRequest {
  classIds: string[];
  settings: HeadSettings;
  folds?: number;
}

/** 'mirrors': mirrors still owed computed (images); 'views': augmented views prepared (images); 'folds': epochs trained over every fold's head; 'duplicates': rows compared. */
export interface LabelCheckProgress {
  phase: 'mirrors' | 'views' | 'folds' | 'duplicates';
  done: number;
  total: number;
}

/** One image as Check labels scored it (indices into the request's classIds); higher `score` is more suspect. */
export interface LabelSuspectInfo {
  sampleId: string;
  given: number;
  suggested: number;
  givenProbability: number;
  suggestedProbability: number;
  score: number;
}

export interface LabelCheckResult {
  classIds: string[];
  /** Every image that could be judged, most suspect first; the first `flagged` are the likely label errors. */
  suspects: LabelSuspectInfo[];
  flagged: number;
  /** Pairs of images whose embeddings' cosine similarity is at least `duplicateCosine`, most similar first. */
  duplicates: { a: string; b: string; cosine: number }[];
  duplicateCosine: number;
  folds: number;
  images: number;
  ms: number;
  stopped: boolean;
}

/** Where the model looked (worker/heatMap.ts): each class's map, `size`×`size`, row-major, scaled to a peak of 1. */
export interface HeatMap {
  size: number;
  classIds: string[];
  maps: number[][];
  /** The feature map it comes from: the frozen backbone's last convolution, or the adapted blocks'. */
  source: 'backbone' | 'adapted';
  /** Whether it averages the image's and its mirror's maps, as the prediction averages their probabilities. */
  flipped: boolean;
}

export interface ExplainedPrediction {
  scores: ClassScore[];
  heatMap: HeatMap;
}

/** The formats "Export model" writes besides the TF.js zip (worker/exportFormats.ts). */
export const EXPORT_FORMATS = ['tflite', 'tflite-int8', 'onnx', 'pytorch'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface FormatExportRequest {
  format: ExportFormat;
  /** Class names in the head's output order. */
  labels: string[];
  modelName: string;
  /** The app's version, written into the file where the format has a place for it. */
  appVersion: string;
  /** The images the trained model was measured on (held out), by sample id: the int8 model's agreement is counted on them. */
  measured: string[];
  /** Whether `measured` are held-out images ('validation') or, with too few to hold any out, the training images. */
  scope: 'validation' | 'training';
  /** The augmented views the head learned from (its summary's), so int8 calibration sees them too; null without. */
  views: { views: number; kinds: string[] } | null;
  /** The most memory the export may use on this device (the page's estimate), in bytes; null when unknown. */
  deviceBudgetBytes: number | null;
}

/** 'building': the network from the trained model; 'calibrating': images measured (done of total); 'writing'; 'checking': held-out images compared. */
export interface FormatProgress {
  phase: 'building' | 'calibrating' | 'writing' | 'checking';
  done: number;
  total: number;
}

/** How the int8 model compares with the app: its size against the float32 file's and its top class on the measured images. */
export interface Int8Report {
  floatBytes: number;
  calibrationImages: number;
  /** Images whose top class is the app's, of those measured, and which images those are ('validation': held out). */
  agree: number;
  total: number;
  scope: 'validation' | 'training';
  /** Largest |probability difference| from the app's over those images. */
  maxDiff: number;
}

export interface FormatExportResult {
  format: ExportFormat;
  /** The model file (model.tflite, model.onnx or model.npz) and the preprocessing statement beside it. */
  model: Uint8Array;
  statement: Preprocessing;
  ms: number;
  int8?: Int8Report;
}
