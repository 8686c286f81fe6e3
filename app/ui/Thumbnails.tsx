import { useEffect, useRef, useState } from 'react';
import { toggleSelected } from '../state/commands';
import { useStore } from '../state/store';
import { thumbnailUrl } from '../state/thumbnails';

const CELL = 52;
const VISIBLE_ROWS = 3;

/**
 * A class's images as a virtualised grid: only the rows in view are in the DOM, so thousands of
 * images do not slow the page. Click a thumbnail to select it (to move or delete).
 */
export function Thumbnails({ sampleIds }: { sampleIds: string[] }) {
  const samples = useStore((s) => s.samples);
  const selected = useStore((s) => s.selected);
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, width: 600 });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setView((v) => ({ ...v, width: el.clientWidth })));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  if (sampleIds.length === 0) return null;
  const columns = Math.max(1, Math.floor(view.width / CELL));
  const rows = Math.ceil(sampleIds.length / columns);
  const first = Math.max(0, Math.floor(view.top / CELL) - 1);
  const last = Math.min(rows, first + VISIBLE_ROWS + 3);
  const shown = sampleIds.slice(first * columns, last * columns);
  return (
    <div
      ref={box}
      className="thumbs"
      style={{ height: Math.min(rows, VISIBLE_ROWS) * CELL }}
      onScroll={(e) => setView((v) => ({ ...v, top: e.currentTarget.scrollTop }))}
      data-testid="thumbnails"
    >
      <ul style={{ height: rows * CELL }}>
        {shown.map((sid, i) => {
          const sample = samples[sid];
          const index = first * columns + i;
          return (
            sample && (
              <li key={sid} style={{ top: Math.floor(index / columns) * CELL, left: (index % columns) * CELL }}>
                <button
                  type="button"
                  className={selected.includes(sid) ? 'thumb selected' : 'thumb'}
                  aria-pressed={selected.includes(sid)}
                  title={sample.name}
                  onClick={() => toggleSelected(sid)}
                >
                  <img src={thumbnailUrl(sid)} alt={sample.name} width={48} height={48} loading="lazy" />
                </button>
              </li>
            )
          );
        })}
      </ul>
    </div>
  );
}
