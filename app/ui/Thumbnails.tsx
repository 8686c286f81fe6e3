import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { toggleSelected } from '../state/commands';
import { useStore } from '../state/store';
import { thumbnailUrl } from '../state/thumbnails';

const CELL = 52;
const VISIBLE_ROWS = 3;

/** Where an arrow (or Home/End) key moves the focus in a grid of `count` cells, `columns` wide. */
function moveFocus(key: string, index: number, count: number, columns: number): number | null {
  const target = { ArrowLeft: index - 1, ArrowRight: index + 1, ArrowUp: index - columns, ArrowDown: index + columns, Home: 0, End: count - 1 }[key];
  return target === undefined ? null : Math.max(0, Math.min(count - 1, target));
}

/**
 * A class's images as a virtualised grid: only the rows in view are in the DOM, so thousands of
 * images do not slow the page. The grid is one tab stop; arrow keys move between images (roving
 * tabindex, scrolling the grid as needed). Click or press Enter/Space to select an image (to move or delete).
 */
export function Thumbnails({ sampleIds, label }: { sampleIds: string[]; label: string }) {
  const selected = useStore((s) => s.selected);
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, width: 600 });
  const [current, setCurrent] = useState(0);
  const wantFocus = useRef(false);
  const hasImages = sampleIds.length > 0;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setView((v) => ({ ...v, width: el.clientWidth })));
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasImages]);
  useEffect(() => {
    if (!wantFocus.current) return;
    wantFocus.current = false;
    box.current?.querySelector<HTMLButtonElement>('button[tabindex="0"]')?.focus();
  });
  const columns = Math.max(1, Math.floor(view.width / CELL));
  const rows = Math.ceil(sampleIds.length / columns);
  const first = Math.max(0, Math.floor(view.top / CELL) - 1);
  const last = Math.min(rows, first + VISIBLE_ROWS + 3);
  const shown = sampleIds.slice(first * columns, last * columns);
  // Only the drawn images' records: a batch added to another class (a new `samples`) does not redraw this grid.
  const shownSamples = useStore(useShallow((s) => shown.map((sid) => s.samples[sid])));
  if (sampleIds.length === 0) return null;
  const focusIndex = Math.min(current, sampleIds.length - 1);
  // The tab stop: the current image, or the first one drawn when the current one is scrolled out of the DOM.
  const tabStop = focusIndex >= first * columns && focusIndex < first * columns + shown.length ? focusIndex : first * columns;
  const onKeyDown = (e: KeyboardEvent) => {
    const next = moveFocus(e.key, focusIndex, sampleIds.length, columns);
    if (next === null) return;
    e.preventDefault();
    const el = box.current;
    const row = Math.floor(next / columns);
    if (el && (row * CELL < el.scrollTop || (row + 1) * CELL > el.scrollTop + el.clientHeight)) {
      el.scrollTop = row * CELL - (row * CELL < el.scrollTop ? 0 : el.clientHeight - CELL);
      setView((v) => ({ ...v, top: el.scrollTop }));
    }
    wantFocus.current = true;
    setCurrent(next);
  };
  return (
    <div
      ref={box}
      className="thumbs"
      style={{ height: Math.min(rows, VISIBLE_ROWS) * CELL }}
      onScroll={(e) => setView((v) => ({ ...v, top: e.currentTarget.scrollTop }))}
      data-testid="thumbnails"
    >
      <ul style={{ height: rows * CELL }} aria-label={label} onKeyDown={onKeyDown}>
        {shown.map((sid, i) => {
          const sample = shownSamples[i];
          const index = first * columns + i;
          return (
            sample && (
              <li key={sid} style={{ top: Math.floor(index / columns) * CELL, left: (index % columns) * CELL }}>
                <button
                  type="button"
                  className={selected.includes(sid) ? 'thumb selected' : 'thumb'}
                  aria-pressed={selected.includes(sid)}
                  tabIndex={index === tabStop ? 0 : -1}
                  title={sample.name}
                  onFocus={() => setCurrent(index)}
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
