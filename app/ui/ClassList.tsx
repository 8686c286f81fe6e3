import { useShallow } from 'zustand/react/shallow';
import { addClass } from '../state/commands';
import { useStore } from '../state/store';
import { ClassCard } from './ClassCard';
import { ProgressBar } from './ProgressBar';

export function ClassList() {
  const ids = useStore(useShallow((s) => s.classes.map((c) => c.id)));
  const ingest = useStore((s) => s.ingest);
  return (
    <section className="classes" aria-label="Classes">
      {ingest && <ProgressBar label={`Embedding images: ${ingest.done} of ${ingest.total}`} value={ingest.done} max={ingest.total} testId="ingest-progress" />}
      {ids.length === 0 && <p className="hint">Add a class for each kind of image you want to recognise, then drop a few examples into each.</p>}
      {ids.map((id) => (
        <ClassCard key={id} id={id} />
      ))}
      <button type="button" className="add-class" data-testid="add-class" onClick={() => addClass()}>
        + Add a class
      </button>
    </section>
  );
}
