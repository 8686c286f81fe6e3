import { deleteSamples, moveSamples } from '../state/commands';
import { useStore } from '../state/store';
import { thumbnailUrl } from '../state/thumbnails';
import type { MeasuredImage } from '../ml/metrics';

/**
 * Images the metrics were measured on, each with its class and the model's answer. A mistake can be
 * moved to the class the model saw (when the label was wrong) or deleted, in one click (with undo).
 * Images moved or deleted since training are left out.
 */
export function MeasuredList({ images, classIds, testId }: { images: MeasuredImage[]; classIds: string[]; testId: string }) {
  const samples = useStore((s) => s.samples);
  const classes = useStore((s) => s.classes);
  const name = (i: number) => classes.find((c) => c.id === classIds[i])?.name ?? '(deleted class)';
  const shown = images.filter((m) => samples[m.sampleId]?.classId === classIds[m.truth]);
  if (shown.length === 0) return <p className="hint">No images here any more.</p>;
  return (
    <ul className="measured" data-testid={testId}>
      {shown.map((m) => {
        const sample = samples[m.sampleId];
        const right = m.truth === m.predicted;
        return (
          <li key={m.sampleId}>
            <img src={thumbnailUrl(m.sampleId)} alt={sample.name} width={48} height={48} />
            <span>
              {name(m.truth)}: {right ? 'right' : <>called <strong>{name(m.predicted)}</strong></>} ({Math.round(m.confidence * 100)}% sure)
            </span>
            {!right && classes.some((c) => c.id === classIds[m.predicted]) && (
              <span className="measured-actions">
                <button type="button" onClick={() => void moveSamples([m.sampleId], classIds[m.predicted])}>
                  Move to {name(m.predicted)}
                </button>
                <button type="button" className="danger" onClick={() => void deleteSamples([m.sampleId])} aria-label={`Delete ${sample.name}`}>
                  Delete
                </button>
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
