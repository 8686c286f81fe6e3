import { useEffect } from 'react';
import { adoptThreshold, setThreshold, usePreview } from '../state/preview';
import { useStore } from '../state/store';

const SOURCE = { default: 'the default', validation: 'set from the held-out images', user: 'set by you' };

/** The "not sure" threshold: below it the preview names no class. */
export function Threshold() {
  const threshold = usePreview((s) => s.threshold);
  const source = usePreview((s) => s.thresholdSource);
  const summary = useStore((s) => s.training.summary);
  useEffect(() => adoptThreshold(summary), [summary]);
  return (
    <label className="threshold">
      Say “not sure” below
      <input type="range" min={0} max={0.95} step={0.05} value={threshold} data-testid="threshold" onChange={(e) => setThreshold(Number(e.target.value))} />
      <span>
        {Math.round(threshold * 100)}% <span className="hint">({SOURCE[source]})</span>
      </span>
    </label>
  );
}
