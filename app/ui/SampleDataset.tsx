import { useRef, useState } from 'react';
import { loadSampleDataset, sampleUrl } from '../state/sampleDataset';

/** "Try a sample dataset": real photos bundled with the app, loaded as if their folder had been dropped; credited beside the button. */
export function SampleDataset() {
  const [busy, setBusy] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  return (
    <span className="sample-dataset">
      {/* aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page. */}
      <button
        type="button"
        ref={button}
        data-testid="sample-dataset"
        aria-disabled={busy}
        onClick={() => {
          if (busy) return;
          setBusy(true);
          void loadSampleDataset().finally(() => {
            setBusy(false);
            // The empty page's button goes once the classes appear; the keyboard focus goes on to the next step.
            if (!button.current?.isConnected && document.activeElement === document.body) document.getElementById('train-button')?.focus();
          });
        }}
      >
        {busy ? 'Loading the sample…' : 'Try a sample dataset'}
      </button>
      <span className="hint" data-testid="sample-credit">
        Photos of birds, flowers and fruit from Tux Paint’s stamps (GPL 2 or later):{' '}
        <a href={sampleUrl('credits.txt')} target="_blank" rel="noopener">
          credits
        </a>
      </span>
    </span>
  );
}
