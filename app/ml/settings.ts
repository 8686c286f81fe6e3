/** Head-training settings and their defaults. No TF.js here, so the UI can import it too. */
export interface HeadSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Units of the hidden Dense(relu) layer; 0 trains a single softmax layer. */
  hiddenUnits: number;
  dropout: number;
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
  seed: number;
}

export const DEFAULT_HEAD_SETTINGS: HeadSettings = {
  epochs: 50,
  batchSize: 16,
  learningRate: 0.001,
  hiddenUnits: 100,
  dropout: 0,
  validationFraction: 0.15,
  refitOnAll: true,
  balanceClasses: true,
  seed: 1,
};
