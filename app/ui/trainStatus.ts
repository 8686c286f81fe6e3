import type { HeadstartState } from '../state/store';
import { adaptProgressText } from './adaptStatus';

/** The training status in one line, as the Train panel, the phone's bottom bar and the announcer say it. */
export function trainStatusText(training: HeadstartState['training'], epochs: number): string {
  const last = training.history.at(-1);
  const epoch = last?.epoch ?? 0;
  switch (training.status) {
    case 'training':
      switch (last?.phase) {
        case 'final':
          return `Final fit on all images… epoch ${epoch} of ${epochs}`;
        case 'mirrors':
          return `Finishing the mirrored images: ${epoch} of ${last.epochs}`;
        case 'views':
          return `Preparing augmented views: ${epoch} of ${last.epochs} images`;
        case 'cuts':
        case 'adapt':
        case 'adapt-final':
          return adaptProgressText(last) ?? `Adapting… epoch ${epoch} of ${last.epochs}`;
        default:
          return `Training… epoch ${epoch} of ${epochs}`;
      }
    case 'trained':
      return training.stale ? 'Model trained (images changed since: train again)' : 'Model trained';
    case 'stopped':
      if (training.summary?.adaptChoice?.stopped) return 'Stopped adapting: the head alone is kept, and predicts';
      return `Stopped after ${epoch} epochs (model trained on what it saw)`;
    case 'error':
      return `Training failed: ${training.error}`;
    default:
      return 'Not trained yet';
  }
}
