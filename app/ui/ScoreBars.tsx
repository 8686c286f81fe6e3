import { confidentTop, usePreview } from '../state/preview';
import type { ClassScore } from '../worker/protocol';
import { useClassName } from './useClassName';

/** The preview's answer (or "not sure") and one confidence bar per class. */
export function ScoreBars({ scores }: { scores: ClassScore[] }) {
  const threshold = usePreview((s) => s.threshold);
  const name = useClassName();
  const top = confidentTop(scores, threshold);
  return (
    <>
      <p className="top">
        {top ? (
          <>
            <strong data-testid="prediction">{name(top.classId)}</strong> {(top.probability * 100).toFixed(0)}%
          </>
        ) : (
          <strong data-testid="prediction">Not sure</strong>
        )}
      </p>
      <ul className="bars" data-testid="score-bars">
        {scores.map((s) => (
          <li key={s.classId}>
            <span>{name(s.classId)}</span>
            <meter min={0} max={1} value={s.probability} aria-label={`${name(s.classId)} confidence`} />
            <span>{(s.probability * 100).toFixed(0)}%</span>
          </li>
        ))}
      </ul>
    </>
  );
}
