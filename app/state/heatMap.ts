/**
 * Heat maps, "where the model looked": whether they are shown, and the current prediction's (Preview or the
 * live camera). A small store beside the main one, as preview.ts. The worker is asked for them only while
 * they are shown, so a prediction costs nothing more when they are off.
 */
import { create } from 'zustand';
import { workerApi } from '../worker/client';
import type { ClassScore, ExplainedPrediction, HeatMap, PredictInput } from '../worker/protocol';

export interface HeatMapState {
  show: boolean;
  /** The last prediction's maps; null while they are not shown. */
  current: HeatMap | null;
}

export const useHeatMap = create<HeatMapState>(() => ({ show: false, current: null }));

export function showHeatMaps(show: boolean): void {
  useHeatMap.setState({ show, current: null });
}

/** The project is left: its last prediction's maps go with it (whether maps are shown stays). */
export function forgetHeatMap(): void {
  useHeatMap.setState({ current: null });
}

/** An image's or camera frame's class probabilities, best first; with its heat maps kept while they are shown. */
export async function classify(input: PredictInput): Promise<ClassScore[]> {
  if (!useHeatMap.getState().show) return workerApi().predict(input);
  const { scores, heatMap } = await workerApi().predictWithHeatMap(input);
  if (useHeatMap.getState().show) useHeatMap.setState({ current: heatMap });
  return scores;
}

/** The current model's answer and heat maps for one of the project's images (the mistakes view, Check labels). */
export function explainSample(sampleId: string): Promise<ExplainedPrediction> {
  return workerApi().sampleHeatMap(sampleId);
}
