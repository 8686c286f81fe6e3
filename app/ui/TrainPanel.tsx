import { stopTraining, train } from '../state/commands';
import { useStore } from '../state/store';
import { MetricsView } from './MetricsView';
import { ProgressBar } from './ProgressBar';
import { SettingsForm } from './SettingsForm';
import { TrainingChart } from './TrainingChart';
import type { EpochReport } from '../worker/protocol';

function statusText(status: string, last: EpochReport | undefined, epochs: number, error: string | null, stale: boolean): string {
  const epoch = last?.epoch ?? 0;
  switch (status) {
    case 'training':
      return last?.phase === 'final' ? `Final fit on all images… epoch ${epoch} of ${epochs}` : `Training… epoch ${epoch} of ${epochs}`;
    case 'trained':
      return stale ? 'Model trained (images changed since: train again)' : 'Model trained';
    case 'stopped':
      return `Stopped after ${epoch} epochs (model trained on what it saw)`;
    case 'error':
      return `Training failed: ${error}`;
    default:
      return 'Not trained yet';
  }
}

export function TrainPanel() {
  const training = useStore((s) => s.training);
  const modelReady = useStore((s) => s.model.status === 'ready');
  const epochs = useStore((s) => s.settings.epochs);
  const last = training.history.at(-1);
  const running = training.status === 'training';
  return (
    <section className="panel" aria-label="Training">
      <h2>Train</h2>
      <SettingsForm disabled={running} />
      <div className="buttons">
        <button type="button" data-testid="train-button" disabled={!modelReady || running} onClick={() => void train()}>
          Train model
        </button>
        <button type="button" data-testid="stop-button" disabled={!running} onClick={stopTraining}>
          Stop
        </button>
      </div>
      <p data-testid="train-status" className={`train-status ${training.status}`}>
        {statusText(training.status, last, epochs, training.error, training.stale)}
      </p>
      {running && <ProgressBar label="Epochs" value={last?.epoch ?? 0} max={epochs} />}
      {last && (
        <p className="epoch-line" data-testid="epoch-line">
          loss {last.loss.toFixed(3)} · accuracy {(last.accuracy * 100).toFixed(1)}%
          {last.valAccuracy !== null && ` · validation accuracy ${(last.valAccuracy * 100).toFixed(1)}%`}
        </p>
      )}
      <TrainingChart history={training.history.filter((h) => h.phase === 'measure')} />
      {training.summary && <MetricsView summary={training.summary} />}
    </section>
  );
}
