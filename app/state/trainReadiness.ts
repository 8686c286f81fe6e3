/** Why Train cannot be pressed right now, in words shown beside the button (null: it can). */
import { classesWithImages, type HeadstartState } from './store';

export function trainBlocker(s: Pick<HeadstartState, 'model' | 'classes'>): string | null {
  if (s.model.status === 'loading') return 'Waiting for the model to load…';
  if (s.model.status === 'error') return 'The model did not load, so nothing can be trained.';
  const filled = classesWithImages(s).length;
  if (s.classes.length < 2) return `Add ${s.classes.length === 0 ? 'two classes' : 'a second class'} with images to train.`;
  if (filled < 2) return `Add images to ${filled === 0 ? 'at least two classes' : 'one more class'} to train.`;
  return null;
}
