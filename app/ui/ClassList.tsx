import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { addClass } from '../state/commands';
import { useStore } from '../state/store';
import { ClassCard } from './ClassCard';
import { ProgressBar } from './ProgressBar';
import { SampleDataset } from './SampleDataset';

export function ClassList() {
  const ids = useStore(useShallow((s) => s.classes.map((c) => c.id)));
  const ingest = useStore((s) => s.ingest);
  // The class just added by the button: its name field takes the focus, ready to be typed over.
  const [added, setAdded] = useState<string | null>(null);
  return (
    <section className="classes" aria-labelledby="classes-heading">
      <h2 id="classes-heading">
        1. Classes
      </h2>
      {ingest && <ProgressBar label={`Embedding images: ${ingest.done} of ${ingest.total}`} value={ingest.done} max={ingest.total} testId="ingest-progress" />}
      {ids.length === 0 && (
        <>
          <p className="hint">Add a class for each kind of image you want to recognise, then drop a few examples into each. No images at hand? Start with ours.</p>
          <SampleDataset />
        </>
      )}
      {ids.map((id) => (
        <ClassCard key={id} id={id} autoFocus={id === added} />
      ))}
      <button type="button" className="add-class" data-testid="add-class" onClick={() => setAdded(addClass())}>
        + Add a class
      </button>
    </section>
  );
}
