/** Fine-tuning settings and their defaults. No TF.js here, so the UI and the eval page can read them. */
export interface FineTuneSettings {
  epochs: number;
  batchSize: number;
  /** The head's learning rate; the adapted blocks learn at this × backboneRateFactor. */
  learningRate: number;
  backboneRateFactor: number;
  labelSmoothing: number;
  balanceClasses: boolean;
  seed: number;
}

export const DEFAULT_FINE_TUNE_SETTINGS: FineTuneSettings = {
  epochs: 5,
  batchSize: 16,
  learningRate: 0.001,
  backboneRateFactor: 0.1,
  labelSmoothing: 0,
  balanceClasses: true,
  seed: 1,
};
