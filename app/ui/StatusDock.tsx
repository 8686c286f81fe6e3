import { usePreview } from '../state/preview';
import { useStore } from '../state/store';
import { spokenPrediction } from './announcement';
import { trainStatusText } from './trainStatus';

/** Phone only (CSS): the train status and the prediction in a bar that stays at the bottom of the screen. */
export function StatusDock() {
  const training = useStore((s) => s.training);
  const epochs = useStore((s) => s.settings.epochs);
  const threshold = usePreview((s) => s.threshold);
  const said = useStore((s) => spokenPrediction(s, threshold));
  return (
    <aside className="dock" aria-label="Status" data-testid="dock">
      <span>{trainStatusText(training, epochs)}</span>
      {said && (
        <span>
          Preview: <strong>{said}</strong>
        </span>
      )}
    </aside>
  );
}
