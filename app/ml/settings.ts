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
  seed: 1,
};
