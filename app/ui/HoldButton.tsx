import type { ReactNode } from 'react';

interface Props {
  onStart: () => void;
  onStop: () => void;
  children: ReactNode;
  testId?: string;
}

/**
 * A button that acts while held: by mouse, pen or finger (pointer events, captured so a finger that
 * drifts off the button keeps recording) or by the space bar. A long touch must not open the
 * context menu, select text or scroll (CSS .hold-button: touch-action none, no callout, no
 * selection): on a phone each of those cancels the touch and would stop it.
 */
export function HoldButton({ onStart, onStop, children, testId }: Props) {
  return (
    <button
      type="button"
      className="hold-button"
      data-testid={testId}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        onStart();
      }}
      onPointerUp={onStop}
      onPointerCancel={onStop}
      onLostPointerCapture={onStop}
      onContextMenu={(e) => e.preventDefault()}
      onKeyDown={(e) => e.key === ' ' && !e.repeat && onStart()}
      onKeyUp={(e) => e.key === ' ' && onStop()}
      onBlur={onStop}
    >
      {children}
    </button>
  );
}
