import { dismissNotice, undoDelete } from '../state/commands';
import { useStore } from '../state/store';

/** Messages about bad files and finished actions; text only, never HTML. */
export function Notices() {
  const notices = useStore((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <ul className="notices" aria-live="polite">
      {notices.map((n) => (
        <li key={n.id} className={`notice ${n.kind}`} data-testid="notice">
          <span>{n.text}</span>
          {n.action === 'undo' && (
            <button type="button" data-testid="undo" onClick={() => void undoDelete()}>
              Undo
            </button>
          )}
          <button type="button" aria-label="Dismiss message" onClick={() => dismissNotice(n.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
