import type { HeadstartState } from '../state/store';

/** The training status in one line, as the Train panel, the phone's bottom bar and the announcer say it. */
export function trainStatusText(training: HeadstartState['training'], epochs: number): string {
  const last = training.history.at(-1);
  const epoch = last?.epoch ?? 0;
  switch (training.status) {
    case 'training':
      return last?.phase === 'final' ? `Final fit on all images… epoch ${epoch} of ${epochs}` : `Training… epoch ${epoch} of ${epochs}`;
    case 'trained':
      return training.stale ? 'Model trained (images changed since: train again)' : 'Model trained';
    case 'stopped':
      return `Stopped after ${epoch} epochs (model trained on what it saw)`;
    case 'error':
      return `Training failed: ${training.error}`;
    default:
      return 'Not trained yet';
  }
}
