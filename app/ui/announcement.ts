import { confidentTop } from '../state/preview';
import type { HeadstartState } from '../state/store';

/** What the preview says now: a class and its confidence, or "not sure"; null while there is nothing to say. */
export function spokenPrediction(s: HeadstartState, threshold: number): string | null {
  if (s.prediction.status !== 'done' || s.prediction.scores.length === 0) return null;
  const top = confidentTop(s.prediction.scores, threshold);
  if (!top) return 'Not sure';
  const name = s.classes.find((c) => c.id === top.classId)?.name ?? 'a deleted class';
  return `${name}, ${Math.round(top.probability * 100)}%`;
}

/**
 * What a screen reader should hear after a store change: training start, each tenth of the epochs,
 * its end with the held-out result, and each new prediction (a live camera's only when its answer changes).
 */
export function announcement(s: HeadstartState, prev: HeadstartState, threshold: number, lastSaid: string | null): string | null {
  const t = s.training;
  if (t.status === 'training') {
    const last = t.history.at(-1);
    if (prev.training.status !== 'training') return 'Training started.';
    if (!last || last === prev.training.history.at(-1)) return null;
    const tenth = (e: number | undefined) => Math.floor(((e ?? 0) * 10) / last.epochs);
    if (tenth(last.epoch) === tenth(prev.training.history.at(-1)?.epoch) && last.phase === prev.training.history.at(-1)?.phase) return null;
    if (last.phase === 'mirrors') return `Finishing the mirrored images: ${last.epoch} of ${last.epochs}.`;
    if (last.phase === 'views') return `Preparing augmented views: ${last.epoch} of ${last.epochs} images.`;
    return `${last.phase === 'final' ? 'Final fit' : 'Training'}: epoch ${last.epoch} of ${last.epochs}.`;
  }
  if (prev.training.status === 'training') {
    // Nothing was trained: the notice saying so is read out (Notices is a live region); the old result is not news.
    if (t.stoppedBefore) return null;
    const m = t.summary?.metrics;
    if (t.status === 'error') return `Training failed: ${t.error}`;
    if (!m) return 'Training finished.';
    const right = m.confusion.reduce((sum, row, i) => sum + row[i], 0);
    const held = m.scope === 'validation' ? ` On images held out: ${right} of ${m.count} right.` : '';
    return `Training ${t.status === 'stopped' ? 'stopped' : 'finished'}.${held}`;
  }
  const said = spokenPrediction(s, threshold);
  if (!said || s.prediction === prev.prediction) return null;
  const live = s.prediction.imageUrl === null;
  return live && said.replace(/, \d+%$/, '') === lastSaid?.replace(/^Prediction: /, '').replace(/, \d+%$/, '') ? null : `Prediction: ${said}`;
}
