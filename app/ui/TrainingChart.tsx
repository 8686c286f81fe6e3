import type { EpochReport } from '../worker/protocol';

const W = 320;
const H = 170;
const PAD = { left: 40, right: 40, top: 10, bottom: 34 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

const x = (epoch: number, epochs: number) => PAD.left + (epoch / Math.max(epochs, 1)) * PLOT_W;
const y = (value: number, max: number) => PAD.top + PLOT_H - (Math.min(value, max) / max) * PLOT_H;
const pct = (v: number) => `${Math.round(v * 100)}%`;

function line(points: [number, number][], max: number, epochs: number): string {
  return points.map(([epoch, v]) => `${x(epoch, epochs).toFixed(1)},${y(v, max).toFixed(1)}`).join(' ');
}

/**
 * Accuracy (left axis, 0–100%) and loss (right axis) per epoch; solid on the training images,
 * dashed on the held-out ones. The last values are written out under the chart.
 */
export function TrainingChart({ history: reports }: { history: EpochReport[] }) {
  // Progress preparing augmented views is not an epoch.
  const history = reports.filter((h) => h.phase !== 'views' && h.phase !== 'mirrors');
  if (history.length === 0) return null;
  const epochs = history[0].epochs;
  const maxLoss = Math.max(...history.map((h) => Math.max(h.loss, h.valLoss ?? 0)), 0.01);
  const series = (pick: (h: EpochReport) => number | null) =>
    history.flatMap((h): [number, number][] => (pick(h) === null ? [] : [[h.epoch, pick(h) as number]]));
  const val = history.filter((h) => h.valAccuracy !== null);
  const last = history[history.length - 1];
  const ticks = [0, 0.5, 1];
  return (
    <figure className="chart" data-testid="training-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Accuracy and loss over ${last.epoch} of ${epochs} epochs`}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(t, 1)} y2={y(t, 1)} />
            <text x={PAD.left - 4} y={y(t, 1) + 4} textAnchor="end">
              {pct(t)}
            </text>
            <text x={W - PAD.right + 4} y={y(t, 1) + 4}>
              {(t * maxLoss).toFixed(2)}
            </text>
            <text x={x(t * epochs, epochs)} y={H - PAD.bottom + 14} textAnchor="middle">
              {Math.round(t * epochs)}
            </text>
          </g>
        ))}
        <line className="axis" x1={PAD.left} x2={W - PAD.right} y1={PAD.top + PLOT_H} y2={PAD.top + PLOT_H} />
        <text x={PAD.left + PLOT_W / 2} y={H - 4} textAnchor="middle">
          epoch
        </text>
        <text transform={`translate(10 ${PAD.top + PLOT_H / 2}) rotate(-90)`} textAnchor="middle">
          accuracy
        </text>
        <text transform={`translate(${W - 6} ${PAD.top + PLOT_H / 2}) rotate(90)`} textAnchor="middle">
          loss
        </text>
        <polyline className="loss" points={line(series((h) => h.loss), maxLoss, epochs)} />
        <polyline className="acc" points={line(series((h) => h.accuracy), 1, epochs)} />
        {val.length > 0 && <polyline className="loss val" points={line(series((h) => h.valLoss), maxLoss, epochs)} />}
        {val.length > 0 && <polyline className="acc val" points={line(series((h) => h.valAccuracy), 1, epochs)} />}
      </svg>
      <figcaption>
        <span className="key acc">━ accuracy</span> <span className="key loss">━ loss</span> (solid: training images, dashed: held out). Epoch{' '}
        {last.epoch}: accuracy {pct(last.accuracy)}
        {last.valAccuracy !== null && ` (held out ${pct(last.valAccuracy)})`}, loss {last.loss.toFixed(3)}
        {last.valLoss !== null && ` (held out ${last.valLoss.toFixed(3)})`}.
      </figcaption>
    </figure>
  );
}
