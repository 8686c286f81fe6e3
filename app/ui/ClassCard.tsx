import { useState } from 'react';
import { addFiles, deleteClass, renameClass } from '../state/commands';
import { useStore } from '../state/store';
import { DropZone } from './DropZone';
import { Thumbnails } from './Thumbnails';

export function ClassCard({ id }: { id: string }) {
  const cls = useStore((s) => s.classes.find((c) => c.id === id));
  const [draft, setDraft] = useState<string | null>(null);
  if (!cls) return null;
  const commit = () => {
    if (draft !== null && draft !== cls.name) renameClass(id, draft);
    setDraft(null);
  };
  return (
    <DropZone className="class-card" onDrop={(files) => void addFiles(id, files.map((f) => f.file))}>
      <div data-testid="class-card" className="class-card-inner">
        <div className="class-head">
          <input
            data-testid="class-name"
            aria-label="Class name"
            value={draft ?? cls.name}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
          <span className="count">
            <span data-testid="sample-count">{cls.sampleIds.length}</span> images
          </span>
          <button type="button" className="danger" onClick={() => void deleteClass(id)} aria-label={`Delete class ${cls.name}`}>
            Delete
          </button>
        </div>
        <label className="file-button">
          Add images…
          <input
            data-testid="sample-input"
            type="file"
            accept="image/*"
            multiple
            onChange={(e) => {
              void addFiles(id, Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
        </label>
        <span className="hint"> or drop image files here</span>
        <Thumbnails sampleIds={cls.sampleIds} />
      </div>
    </DropZone>
  );
}
