import { useStore } from '../state/store';
import { OfflineStatus } from './OfflineStatus';

export function Header() {
  const model = useStore((s) => s.model);
  const choice = model.info?.choice;
  const status =
    model.status === 'ready' ? 'Backbone ready' : model.status === 'error' ? `Model failed to load: ${model.error}` : 'Loading backbone…';
  return (
    <header className="header">
      <h1>Headstart</h1>
      <span className={`model-status ${model.status}`} data-testid="model-status">
        {status}
      </span>
      <span className="backend" title={choice?.reason}>
        Backend: <strong data-testid="backend">{choice?.backend ?? '…'}</strong>
      </span>
      <OfflineStatus />
      {choice && <span className="backend-reason">{choice.reason}</span>}
    </header>
  );
}
