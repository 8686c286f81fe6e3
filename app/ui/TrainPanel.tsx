import { stopTraining, train } from '../state/commands';
import { useStore } from '../state/store';
import { MetricsView } from './MetricsView';
import { ProgressBar } from './ProgressBar';
import { SettingsForm } from './SettingsForm';
import { TrainingChart } from './TrainingChart';

function statusText(status: string, epoch: number, epochs: number, error: string | null, stale: boolean): string {
  switch (status) {
    case 'training':
      return `Training… epoch ${epoch} of ${epochs}`;
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
        {statusText(training.status, last?.epoch ?? 0, epochs, training.error, training.stale)}
      </p>
      {running && <ProgressBar label="Epochs" value={last?.epoch ?? 0} max={epochs} />}
      {last && (
        <p className="epoch-line" data-testid="epoch-line">
          loss {last.loss.toFixed(3)} · accuracy {(last.accuracy * 100).toFixed(1)}%
          {last.valAccuracy !== null && ` · validation accuracy ${(last.valAccuracy * 100).toFixed(1)}%`}
        </p>
      )}
      <TrainingChart history={training.history} />
      {training.summary && <MetricsView summary={training.summary} />}
    </section>
  );
}
