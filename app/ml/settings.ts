/** Head-training settings and their defaults. No TF.js here, so the UI can import it too. */
export interface HeadSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** 'cosine' decays the learning rate to 0 over the run (per step); 'constant' keeps it. */
  learningRateSchedule: 'constant' | 'cosine';
  /** Units of the hidden Dense(relu) layer; 0 trains a single softmax layer. */
  hiddenUnits: number;
  dropout: number;
  /** Target of each image: 1 − s on its class, s spread evenly over all classes (0 = plain one-hot). */
  labelSmoothing: number;
  /**
   * Stop when the held-out loss has not improved for this many epochs and keep the weights of the
   * best epoch; the refit on every image then runs that many epochs (0 = off, every epoch runs).
   */
  earlyStoppingPatience: number;
  /** Train on each image and its left-right mirror (one of the two, drawn each epoch). */
  mirrorAugment: boolean;
  /** Predict from the average of the image's and its mirror's class probabilities. */
  testTimeFlip: boolean;
  /** Share of each class held out to measure accuracy honestly (0 disables). */
  validationFraction: number;
  /**
   * After measuring on the held-out images, train the final head again on every image, so the
   * model the user keeps learns from all of their data (the reported metrics stay held-out).
   */
  refitOnAll: boolean;
  /**
   * Weight each image's loss by n / (k · images in its class), so a class with few images counts as
   * much as a large one (what balanced accuracy measures).
   */
  balanceClasses: boolean;
  /**
   * After the head, adapt the backbone's last N blocks (and its last convolution) together with the head,
   * from cached cut-point activations (0 = head only; up to 3). Minutes, not seconds, on a CPU.
   */
  adaptBlocks: number;
  /** Passes over the images while the blocks adapt. */
  adaptEpochs: number;
  /**
   * With blocks adapting, 'auto' keeps the adapted blocks only when they answer more held-out images right
   * than the head alone (app/ml/adaptChoice.ts; docs/adapt-auto.md); 'always' keeps them regardless.
   */
  adaptChoice: 'auto' | 'always';
  /**
   * Augmented views per image (app/ml/augment.ts; 0 = none, up to 16): each image is also embedded K
   * more times, cropped, turned, recoloured and mirrored as the kinds below allow, once ever (kept in
   * IndexedDB), and the head learns from one of its views each epoch. Off by default: it helped on
   * drawings but lost on a style shift (docs/studies.md, "Augmented views, framing and earlier layers").
   */
  augmentViews: number;
  /** The kinds of change the augmented views make (augment.ts's AugmentSettings). */
  augmentFlip: boolean;
  augmentCrop: boolean;
  augmentRotate: boolean;
  augmentColour: boolean;
  seed: number;
}

/**
 * Chosen by measurement (docs/studies.md, "Head training defaults"): of early stopping, label smoothing,
 * dropout, a cosine schedule, mirror augmentation and test-time flipping, only the last two helped on
 * both shared evaluation sets, so only they are on.
 */
/**
 * The most blocks the app adapts (settings.adaptBlocks): blocks 13–16. app/ml/blocks.ts can write out down to
 * block 7 (the eval studies it), but in the study N = 7 at batch 16 ran out of wasm memory on both shared sets
 * while N = 4 ran (docs/fine-tuning.md), so the app stops where it was seen to fit.
 */
export const APP_MAX_ADAPT_BLOCKS = 4;

export const DEFAULT_HEAD_SETTINGS: HeadSettings = {
  epochs: 50,
  batchSize: 16,
  learningRate: 0.001,
  learningRateSchedule: 'constant',
  hiddenUnits: 100,
  dropout: 0,
  labelSmoothing: 0,
  earlyStoppingPatience: 0,
  mirrorAugment: true,
  testTimeFlip: true,
  validationFraction: 0.15,
  refitOnAll: true,
  balanceClasses: true,
  adaptBlocks: 0,
  adaptEpochs: 5,
  adaptChoice: 'auto',
  augmentViews: 0,
  augmentFlip: true,
  augmentCrop: true,
  augmentRotate: true,
  augmentColour: true,
  seed: 1,
};

/**
 * Teachable Machine's recipe on the same embeddings (`npm run eval -- --recipe tm`): Dense(100, relu)
 * → softmax, Adam 1e-3, 50 epochs, batch 16, plain cross-entropy, every training image, nothing else.
 */
export const TM_RECIPE_SETTINGS: HeadSettings = {
  ...DEFAULT_HEAD_SETTINGS,
  epochs: 50,
  batchSize: 16,
  learningRate: 0.001,
  learningRateSchedule: 'constant',
  hiddenUnits: 100,
  dropout: 0,
  labelSmoothing: 0,
  earlyStoppingPatience: 0,
  mirrorAugment: false,
  testTimeFlip: false,
  validationFraction: 0,
  refitOnAll: false,
  balanceClasses: false,
  adaptBlocks: 0,
  augmentViews: 0,
};

/** The settings each `npm run eval -- --recipe NAME` trains with. */
export const HEAD_RECIPES = { default: DEFAULT_HEAD_SETTINGS, tm: TM_RECIPE_SETTINGS } as const satisfies Record<string, HeadSettings>;
export type HeadRecipe = keyof typeof HEAD_RECIPES;
