import { useStore } from '../state/store';
import { OfflineStatus } from './OfflineStatus';

/** Plain words only: is the model ready, does the app work offline. The details are in "Under the hood". */
export function Header() {
  const model = useStore((s) => s.model);
  const status =
    model.status === 'ready' ? 'Model ready' : model.status === 'error' ? `The model could not load: ${model.error}` : 'Loading the model…';
  return (
    <header className="header">
      <h1>Headstart</h1>
      <span className={`model-status ${model.status}`} data-testid="model-status" role="status">
        {status}
      </span>
      <OfflineStatus />
    </header>
  );
}
