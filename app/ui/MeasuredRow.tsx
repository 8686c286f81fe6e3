import { useState } from 'react';
import { deleteSamples, moveSamples } from '../state/commands';
import { useStore } from '../state/store';
import { thumbnailUrl } from '../state/thumbnails';
import type { MeasuredImage } from '../ml/metrics';
import { SampleHeatMap } from './SampleHeatMap';
import { useClassName } from './useClassName';

/**
 * One measured image: its class and the model's answer; when they differ, "Move to" the class the model
 * saw or Delete (with undo), and Keep when the list offers it; "Where it looked" opens its heat map.
 */
export function MeasuredRow({ image: m, classIds, said, onKeep }: { image: MeasuredImage; classIds: string[]; said: string; onKeep?: (sampleId: string) => void }) {
  const sample = useStore((s) => s.samples[m.sampleId]);
  const classes = useStore((s) => s.classes);
  const trained = useStore((s) => s.training.summary !== null);
  const [open, setOpen] = useState(false);
  const className = useClassName();
  const name = (i: number) => className(classIds[i]);
  if (!sample) return null;
  const right = m.truth === m.predicted;
  return (
    <li>
      <img src={thumbnailUrl(m.sampleId)} alt={sample.name} width={48} height={48} />
      <span>
        {name(m.truth)}: {right ? 'right' : <>{said} <strong>{name(m.predicted)}</strong></>} ({Math.round(m.confidence * 100)}% sure)
      </span>
      <span className="measured-actions">
        {!right && classes.some((c) => c.id === classIds[m.predicted]) && (
          <>
            <button type="button" onClick={() => void moveSamples([m.sampleId], classIds[m.predicted])}>
              Move to {name(m.predicted)}
            </button>
            <button type="button" className="danger" onClick={() => void deleteSamples([m.sampleId])} aria-label={`Delete ${sample.name}`}>
              Delete
            </button>
          </>
        )}
        {onKeep && (
          <button type="button" onClick={() => onKeep(m.sampleId)} aria-label={`Keep ${sample.name} in ${name(m.truth)}`}>
            Keep
          </button>
        )}
        {trained && (
          <button type="button" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={`Where it looked in ${sample.name}`}>
            Where it looked
          </button>
        )}
      </span>
      {open && <SampleHeatMap sampleId={m.sampleId} classId={classIds[m.predicted]} />}
    </li>
  );
}
