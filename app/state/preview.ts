/**
 * The preview's own state: the "not sure" threshold and the live camera's rate. Kept beside the main
 * store (not in it) so the preview can change without touching the project's state; plain data only.
 */
import { create } from 'zustand';
import { thresholdFromMeasured } from '../ml/metrics';
import type { ClassScore, FramePixels, TrainSummary } from '../worker/protocol';
import { message, set as setMain } from './base';
import { classify } from './heatMap';

export const DEFAULT_THRESHOLD = 0.6;

export interface PreviewState {
  /** Below this top probability the preview says "not sure" instead of naming a class. */
  threshold: number;
  /** Where the threshold came from: the held-out images of the last training, or the user. */
  thresholdSource: 'default' | 'validation' | 'user';
  live: boolean;
  /** Frames classified per second, over the last couple of seconds (null until measured). */
  fps: number | null;
}

export const usePreview = create<PreviewState>(() => ({ threshold: DEFAULT_THRESHOLD, thresholdSource: 'default', live: false, fps: null }));

export function setThreshold(threshold: number): void {
  usePreview.setState({ threshold, thresholdSource: 'user' });
}

/** A new training's threshold: the one its measured images suggest, or the default. */
export function adoptThreshold(summary: TrainSummary | null): void {
  const suggested = summary?.measured ? thresholdFromMeasured(summary.measured) : null;
  usePreview.setState(suggested === null ? { threshold: DEFAULT_THRESHOLD, thresholdSource: 'default' } : { threshold: suggested, thresholdSource: 'validation' });
}

/** The top class, or null when the model is not sure enough to name one. */
export function confidentTop(scores: ClassScore[], threshold: number): ClassScore | null {
  const top = scores[0];
  return top && top.probability >= threshold ? top : null;
}

export function setLive(live: boolean): void {
  usePreview.setState({ live, fps: null });
}

/** Classifies one camera frame; the bars show it without an image (the video is the image). */
export async function classifyFrame(frame: FramePixels): Promise<void> {
  try {
    const scores = await classify(frame);
    setMain((s) => {
      if (s.prediction.imageUrl) URL.revokeObjectURL(s.prediction.imageUrl);
      return { prediction: { status: 'done', scores, imageUrl: null, error: null } };
    });
  } catch (error) {
    setMain({ prediction: { status: 'error', scores: [], imageUrl: null, error: `Camera frame: ${message(error)}` } });
  }
}

export function reportFps(fps: number): void {
  usePreview.setState({ fps });
}
