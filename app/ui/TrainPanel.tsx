import { stopTraining, train } from '../state/commands';
import { useStore } from '../state/store';
import { trainBlocker } from '../state/trainReadiness';
import { LabelCheck } from './LabelCheck';
import { MetricsView } from './MetricsView';
import { ProgressBar } from './ProgressBar';
import { SettingsForm } from './SettingsForm';
import { TrainingChart } from './TrainingChart';
import { trainStatusText } from './trainStatus';
import { durationWords, estimateText } from './adaptStatus';

export function TrainPanel() {
  const training = useStore((s) => s.training);
  const blocker = useStore(trainBlocker);
  const epochs = useStore((s) => s.settings.epochs);
  const last = training.history.at(-1);
  const running = training.status === 'training';
  const adapting = last?.phase === 'cuts' || last?.phase === 'adapt' || last?.phase === 'adapt-final';
  const estimate = training.history.find((h) => h.estimate);
  return (
    <section className="panel sticky" aria-labelledby="train-heading">
      {/* Stays at the top of the panel while the metrics below it scroll. */}
      <div className="panel-top">
        <h2 id="train-heading">2. Train</h2>
        <div className="buttons">
          {/* Not disabled while training (aria-disabled): a disabled button would drop the keyboard focus to the page. */}
          <button
            type="button"
            id="train-button"
            data-testid="train-button"
            disabled={blocker !== null}
            aria-disabled={running}
            aria-describedby={blocker ? 'train-reason' : undefined}
            onClick={() => running || void train()}
          >
            Train model
          </button>
          <button type="button" data-testid="stop-button" disabled={!running} onClick={stopTraining}>
            Stop
          </button>
          {blocker && (
            <span id="train-reason" className="train-reason" data-testid="train-reason">
              {blocker}
            </span>
          )}
        </div>
        <p data-testid="train-status" className={`train-status ${training.status}`}>
          {trainStatusText(training, epochs)}
        </p>
        {running && <ProgressBar label="Epochs" value={last?.epoch ?? 0} max={last?.epochs ?? epochs} />}
        {last && running && adapting && (
          <p className="epoch-line hint" data-testid="epoch-line">
            {last.epoch > 0 && last.phase !== 'cuts' && `loss ${last.loss.toFixed(3)} · ${(last.ms / 1000).toFixed(1)} s per pass · `}
            {last.msLeft !== undefined && `${durationWords(last.msLeft)} left`}
            {estimate && last !== estimate && ` · estimated at the start: ${estimateText(estimate)}`}
          </p>
        )}
        {last && running && !adapting && Number.isNaN(last.accuracy) && (
          <p className="epoch-line hint" data-testid="epoch-line">
            loss {last.loss.toFixed(3)} · {(last.ms / 1000).toFixed(1)} s per pass, about {Math.round((last.ms * (last.epochs - last.epoch)) / 1000)} s
            left in this run
          </p>
        )}
        {training.summary?.adaptChoice && !running && (
          <p className="hint" data-testid="adapt-choice">
            {training.summary.adaptChoice.reason}
          </p>
        )}
        {last && running && !Number.isNaN(last.accuracy) && (
          <p className="epoch-line hint" data-testid="epoch-line">
            loss {last.loss.toFixed(3)} · on the training images {(last.accuracy * 100).toFixed(1)}%
            {last.valAccuracy !== null && ` · on images held out ${(last.valAccuracy * 100).toFixed(1)}%`}
          </p>
        )}
      </div>
      {training.summary && <MetricsView summary={training.summary} />}
      <LabelCheck />
      <TrainingChart history={training.history.filter((h) => h.phase === 'measure')} />
      <SettingsForm disabled={running} />
    </section>
  );
}
