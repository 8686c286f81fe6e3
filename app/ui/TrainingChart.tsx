import type { EpochReport } from '../worker/protocol';

const W = 280;
const H = 120;

function line(values: number[], max: number, epochs: number): string {
  return values.map((v, i) => `${((i + 1) / Math.max(epochs, 1)) * W},${H - (Math.min(v, max) / max) * H}`).join(' ');
}

/** Live loss and accuracy per epoch (training solid, validation dashed). */
export function TrainingChart({ history }: { history: EpochReport[] }) {
  if (history.length === 0) return null;
  const epochs = history[0].epochs;
  const maxLoss = Math.max(...history.map((h) => Math.max(h.loss, h.valLoss ?? 0)), 0.01);
  const val = history.filter((h) => h.valAccuracy !== null);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} preserveAspectRatio="none" role="img" aria-label="Loss and accuracy per epoch">
        <polyline className="loss" points={line(history.map((h) => h.loss), maxLoss, epochs)} />
        <polyline className="acc" points={line(history.map((h) => h.accuracy), 1, epochs)} />
        {val.length > 0 && <polyline className="loss val" points={line(val.map((h) => h.valLoss ?? 0), maxLoss, epochs)} />}
        {val.length > 0 && <polyline className="acc val" points={line(val.map((h) => h.valAccuracy ?? 0), 1, epochs)} />}
      </svg>
      <figcaption>
        <span className="key loss">loss</span> <span className="key acc">accuracy</span> (dashed: validation)
      </figcaption>
    </figure>
  );
}
