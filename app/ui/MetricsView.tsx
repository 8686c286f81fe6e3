import { useStore } from '../state/store';
import type { TrainSummary } from '../worker/protocol';

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(0)}%`);

/** Per-class accuracy and the confusion matrix, on held-out images when there were enough. */
export function MetricsView({ summary }: { summary: TrainSummary }) {
  const classes = useStore((s) => s.classes);
  const name = (id: string) => classes.find((c) => c.id === id)?.name ?? '(deleted class)';
  const { metrics } = summary;
  return (
    <div className="metrics" data-testid="metrics">
      <h3>
        Accuracy {pct(metrics.accuracy)} <small>(balanced {pct(metrics.balancedAccuracy)})</small>
      </h3>
      <p className="hint">
        {metrics.scope === 'validation'
          ? `Measured on ${metrics.count} held-out images the head never trained on.`
          : `Too few images to hold any out: measured on the ${metrics.count} training images, so it is optimistic.`}
        {summary.refit && ' The model you keep was then trained again on all images, held-out ones included.'}
      </p>
      <table className="confusion">
        <caption>Confusion matrix (rows: true class, columns: predicted)</caption>
        <thead>
          <tr>
            <th />
            {summary.classIds.map((id) => (
              <th key={id} scope="col">
                {name(id)}
              </th>
            ))}
            <th scope="col">accuracy</th>
          </tr>
        </thead>
        <tbody>
          {metrics.confusion.map((row, t) => (
            <tr key={summary.classIds[t]}>
              <th scope="row">{name(summary.classIds[t])}</th>
              {row.map((n, p) => (
                <td key={p} className={t === p ? 'diag' : n > 0 ? 'off' : ''}>
                  {n}
                </td>
              ))}
              <td>{pct(metrics.perClass[t])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
