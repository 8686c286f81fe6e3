import { useEffect } from 'react';
import { applyUpdate, startPwa, usePwa } from '../platform/pwa';

/** The service worker's state in the header: offline-ready, or an update waiting for the user. */
export function OfflineStatus() {
  const offlineReady = usePwa((s) => s.offlineReady);
  const updateWaiting = usePwa((s) => s.updateWaiting);
  useEffect(() => startPwa(), []);
  if (updateWaiting) {
    return (
      <span className="offline-status update" data-testid="update-available">
        Update available —{' '}
        <button type="button" onClick={applyUpdate}>
          reload
        </button>
      </span>
    );
  }
  if (offlineReady) {
    return (
      <span className="offline-status" data-testid="offline-ready" title="The app and its model are saved on this device">
        Ready to work offline
      </span>
    );
  }
  return <span className="offline-status pending">Works offline once it has finished downloading</span>;
}
