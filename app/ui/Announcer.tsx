import { useEffect, useState } from 'react';
import { usePreview } from '../state/preview';
import { useStore } from '../state/store';
import { announcement } from './announcement';

/** A polite live region: training progress, its end and each prediction, for screen readers. */
export function Announcer() {
  const [text, setText] = useState('');
  useEffect(() => {
    let lastSaid: string | null = null;
    return useStore.subscribe((s, prev) => {
      const said = announcement(s, prev, usePreview.getState().threshold, lastSaid);
      if (said) {
        if (said.startsWith('Prediction: ')) lastSaid = said;
        setText(said);
      }
    });
  }, []);
  return (
    <div className="sr-only" role="status" aria-live="polite" data-testid="announcer">
      {text}
    </div>
  );
}
