import { wilsonInterval } from '../ml/metrics';
import type { TrainSummary } from '../worker/protocol';

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * The two accuracies, named for what they measure: how well the model fits the images it learned from,
 * and how many held-out images it got right, with the 95% range that count allows.
 */
export function Accuracies({ summary }: { summary: TrainSummary }) {
  const { metrics } = summary;
  const lastMeasured = summary.history.filter((h) => h.phase === 'measure').at(-1);
  const right = metrics.confusion.reduce((sum, row, i) => sum + row[i], 0);
  const range = wilsonInterval(right, metrics.count);
  return (
    <ul className="accuracies" data-testid="accuracies">
      {lastMeasured && (
        <li>
          On the training images: <strong>{pct(lastMeasured.accuracy)}</strong>
        </li>
      )}
      {metrics.scope === 'validation' ? (
        <li data-testid="held-out-accuracy">
          On images held out: <strong>{`${right} of ${metrics.count} right`}</strong>
          {range && <span className="hint">{` (probably between ${pct(range.low)} and ${pct(range.high)} on new images like these)`}</span>}
        </li>
      ) : (
        <li data-testid="held-out-accuracy">
          No images held out (too few per class), so there is no honest measure yet: add more images.
        </li>
      )}
    </ul>
  );
}
