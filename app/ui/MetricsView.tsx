import { useState } from 'react';
import type { TrainSummary } from '../worker/protocol';
import { Accuracies } from './Accuracies';
import { MeasuredList } from './MeasuredList';
import { Mistakes } from './Mistakes';
import { useClassName } from './useClassName';

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(0)}%`);

/** The two accuracies and the confusion matrix (held-out images when there were enough), sized to its panel. */
export function MetricsView({ summary }: { summary: TrainSummary }) {
  const name = useClassName();
  const { metrics, measured } = summary;
  // The cell clicked, as [true class, predicted class]: its images are listed under the table.
  const [cell, setCell] = useState<[number, number] | null>(null);
  const inCell = cell && measured ? measured.filter((m) => m.truth === cell[0] && m.predicted === cell[1]) : [];
  const cellText = (n: number, t: number, p: number) => `${n} ${name(summary.classIds[t])} image${n === 1 ? '' : 's'} ${t === p ? 'recognised' : `called ${name(summary.classIds[p])}`}`;
  return (
    <div className="metrics" data-testid="metrics">
      <Accuracies summary={summary} />
      <p className="hint">
        {metrics.scope === 'validation'
          ? `Held-out images are kept aside during training, so they show how the model does on pictures it has never seen.`
          : `Measured on the ${metrics.count} training images, so it is optimistic.`}
        {summary.refit && ' The model you keep was then trained again on all images, held-out ones included.'}
      </p>
      <table className="confusion">
        <caption>Confusion matrix: each row is the true class, each column what the model said</caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">True class</span>
            </th>
            {summary.classIds.map((id) => (
              <th key={id} scope="col" title={name(id)}>
                {name(id)}
              </th>
            ))}
            <th scope="col" title="Share of this class's images the model got right">
              right
            </th>
          </tr>
        </thead>
        <tbody>
          {metrics.confusion.map((row, t) => (
            <tr key={summary.classIds[t]}>
              <th scope="row" title={name(summary.classIds[t])}>
                {name(summary.classIds[t])}
              </th>
              {row.map((n, p) => (
                <td key={p} className={t === p ? 'diag' : n > 0 ? 'off' : ''}>
                  {measured && n > 0 ? (
                    <button type="button" aria-label={cellText(n, t, p)} aria-pressed={cell?.[0] === t && cell[1] === p} onClick={() => setCell(cell?.[0] === t && cell[1] === p ? null : [t, p])}>
                      {n}
                    </button>
                  ) : (
                    n
                  )}
                </td>
              ))}
              <td>{pct(metrics.perClass[t])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {measured && <p className="hint">Click a number to see those images.</p>}
      {cell && (
        <div data-testid="cell-images">
          <h3>{cellText(inCell.length, cell[0], cell[1])}</h3>
          <MeasuredList images={inCell} classIds={summary.classIds} testId="cell-image-list" />
        </div>
      )}
      <Mistakes summary={summary} />
    </div>
  );
}
