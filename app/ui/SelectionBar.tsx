import { clearSelection, deleteSamples, moveSamples } from '../state/commands';
import { useStore } from '../state/store';

/** What to do with the selected images: move them to another class, or delete them. */
export function SelectionBar() {
  const selected = useStore((s) => s.selected);
  const classes = useStore((s) => s.classes);
  if (selected.length === 0) return null;
  return (
    <div className="selection-bar" data-testid="selection-bar">
      <strong>{selected.length} selected</strong>
      <label>
        Move to{' '}
        <select data-testid="move-to" value="" onChange={(e) => e.target.value && void moveSamples(selected, e.target.value)}>
          <option value="">choose a class…</option>
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="danger" data-testid="delete-selected" onClick={() => void deleteSamples(selected)}>
        Delete
      </button>
      <button type="button" onClick={clearSelection}>
        Clear selection
      </button>
    </div>
  );
}
