import { memo, useState } from 'react';
import { addFiles, deleteClass, moveClass, renameClass, setActiveClass } from '../state/commands';
import { useStore } from '../state/store';
import { DropZone } from './DropZone';
import { Thumbnails } from './Thumbnails';
import { WebcamCapture } from './WebcamCapture';

/** One class's card; memo: the ingest's progress redraws the list, not every card and its grid. */
export const ClassCard = memo(function ClassCard({ id, autoFocus = false }: { id: string; autoFocus?: boolean }) {
  const cls = useStore((s) => s.classes.find((c) => c.id === id));
  const active = useStore((s) => s.activeClassId === id);
  const [draft, setDraft] = useState<string | null>(null);
  if (!cls) return null;
  const commit = () => {
    if (draft !== null && draft !== cls.name) renameClass(id, draft);
    setDraft(null);
  };
  return (
    <DropZone className="class-card" onDrop={(files) => void addFiles(id, files.map((f) => f.file))}>
      <div data-testid="class-card" className={active ? 'class-card-inner active' : 'class-card-inner'} onPointerDown={() => setActiveClass(id)}>
        <div className="class-head">
          <input
            data-testid="class-name"
            aria-label="Class name"
            autoFocus={autoFocus}
            onFocus={autoFocus ? (e) => e.currentTarget.select() : undefined}
            value={draft ?? cls.name}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
          <span className="class-actions">
            <span className="count">
              <span data-testid="sample-count">{cls.sampleIds.length}</span> images
            </span>
            <button type="button" onClick={() => moveClass(id, -1)} aria-label={`Move ${cls.name} up`}>
              ↑
            </button>
            <button type="button" onClick={() => moveClass(id, 1)} aria-label={`Move ${cls.name} down`}>
              ↓
            </button>
            <button type="button" className="danger" data-testid="delete-class" onClick={() => void deleteClass(id)} aria-label={`Delete class ${cls.name}`}>
              Delete
            </button>
          </span>
        </div>
        <div className="class-tools">
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
          <WebcamCapture classId={id} />
          <span className="hint">or drop or paste images here</span>
        </div>
        <Thumbnails sampleIds={cls.sampleIds} label={`Images of ${cls.name}`} />
      </div>
    </DropZone>
  );
});
