/** Fine-tuning settings and their defaults. No TF.js here, so the UI and the eval page can read them. */
export interface FineTuneSettings {
  /** Passes over the images (the most, with early stopping on held-out images). */
  epochs: number;
  batchSize: number;
  /** The head's learning rate; the adapted blocks learn at this × backboneRateFactor (× layerRateDecay^i). */
  learningRate: number;
  backboneRateFactor: number;
  /**
   * Layer-wise rate decay: block i from the top (i = 0: the last block and Conv_1) learns at
   * learningRate × backboneRateFactor × layerRateDecay^i (1 = every block at the same rate).
   */
  layerRateDecay: number;
  /** Both rates over the steps: constant, or cosine decay to 0 (after the warm-up). */
  learningRateSchedule: 'constant' | 'cosine';
  /** The first fraction of all steps (epochs × steps per epoch) ramps both rates up linearly from ~0. */
  warmupFraction: number;
  /** L2-SP: α of the penalty α/2·‖w − w0‖² pulling the adapted weights toward their pre-trained values (0 = off). */
  l2sp: number;
  /**
   * With held-out images (FineTuneOptions.validation): stop after this many epochs without a better
   * held-out accuracy; the best epoch's weights are kept either way. 0 = never stop early.
   */
  patience: number;
  labelSmoothing: number;
  balanceClasses: boolean;
  seed: number;
}

/**
 * Chosen by the study in docs/fine-tuning.md (issue 24): nothing measured there beat the head alone by the
 * bar of 3 points; these lost least and are the safest (small rates, warm-up then cosine, early stopping on
 * held-out images keeping the best epoch). The app passes its own epoch count (settings.adaptEpochs).
 */
export const DEFAULT_FINE_TUNE_SETTINGS: FineTuneSettings = {
  epochs: 4,
  batchSize: 16,
  learningRate: 0.0002,
  backboneRateFactor: 0.1,
  layerRateDecay: 0.5,
  learningRateSchedule: 'cosine',
  warmupFraction: 0.1,
  l2sp: 0.01,
  patience: 1,
  labelSmoothing: 0,
  balanceClasses: true,
  seed: 1,
};
