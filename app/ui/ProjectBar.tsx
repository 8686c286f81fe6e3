import { deleteAllData, keepStorage } from '../state/commands';
import { useStore } from '../state/store';
import { megabytes } from './format';
import { ProjectFile } from './ProjectFile';

const mb = (bytes: number) => megabytes(bytes, 1);

/** Where the project lives (this browser's storage) and how to wipe it. */
export function ProjectBar() {
  const storage = useStore((s) => s.storage);
  return (
    <div className="project-bar">
      <span data-testid="storage-usage">
        {!storage ? 'Saved in this browser' : !storage.available ? 'Not saved: this browser offers no storage here, so the project lasts until this tab closes' : `Saved in this browser: ${mb(storage.usage)} used of ${mb(storage.quota)}`}
        {storage?.persisted ? ' (kept)' : ''}
      </span>
      {storage?.available && !storage.persisted && (
        <button type="button" onClick={() => void keepStorage()}>
          Keep my data
        </button>
      )}
      <ProjectFile />
      <button
        type="button"
        className="danger"
        data-testid="delete-all"
        onClick={() => {
          if (window.confirm('Delete every class, image and trained model from this browser? This cannot be undone.')) void deleteAllData();
        }}
      >
        New project (delete all data)
      </button>
    </div>
  );
}
