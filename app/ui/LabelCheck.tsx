import { checkLabels, stopLabelCheck, useLabelCheck } from '../state/labelCheck';
import { twoClassesHaveImages, useStore } from '../state/store';
import type { LabelCheckProgress } from '../worker/protocol';
import { LabelFindings } from './LabelFindings';
import { ProgressBar } from './ProgressBar';

const STEPS: Record<LabelCheckProgress['phase'], string> = { mirrors: 'Finishing the mirrored images', views: 'Preparing augmented views', folds: 'Training 5 check models', duplicates: 'Comparing pictures' };

/** "Check labels": the images probably labelled wrong, and the same picture twice (app/worker/labelCheck.ts). */
export function LabelCheck() {
  const { status, progress, result, error } = useLabelCheck();
  const ready = useStore(twoClassesHaveImages);
  const training = useStore((s) => s.training.status === 'training' || s.training.status === 'waiting');
  // A check of classes that are all gone (deleted, or everything deleted) has nothing left to show.
  const current = useStore((s) => result !== null && result.classIds.some((id) => s.classes.some((c) => c.id === id)));
  const running = status === 'running';
  return (
    <details className="label-check" data-testid="label-check">
      <summary>Check labels</summary>
      <p className="hint">
        Each image is judged by a model trained without it (five models, each on the other four fifths): the images whose class it finds unlikely
        are listed, most doubtful first, with pictures that are the same or nearly the same.
      </p>
      <div className="buttons">
        <button type="button" data-testid="check-labels" disabled={!ready || running || training} onClick={() => void checkLabels()}>
          Check labels
        </button>
        {running && (
          <button type="button" onClick={stopLabelCheck}>
            Stop checking
          </button>
        )}
      </div>
      {running && <ProgressBar label={progress ? STEPS[progress.phase] : 'Starting'} value={progress?.done ?? 0} max={progress?.total ?? 1} testId="label-check-progress" />}
      {status === 'error' && <p className="error">Could not check the labels: {error}</p>}
      {status === 'stopped' && <p className="hint">Stopped before every image was checked: nothing is listed.</p>}
      {status === 'done' && result && current && <LabelFindings result={result} />}
    </details>
  );
}
