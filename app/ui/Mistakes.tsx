import type { TrainSummary } from '../worker/protocol';
import { MeasuredList } from './MeasuredList';

/** The held-out images the model got wrong, most confident first: the ones worth a second look. */
export function Mistakes({ summary }: { summary: TrainSummary }) {
  const mistakes = (summary.measured ?? []).filter((m) => m.truth !== m.predicted).sort((a, b) => b.confidence - a.confidence);
  if (!summary.measured) return null;
  return (
    <details className="mistakes" data-testid="mistakes">
      <summary>
        Mistakes on {summary.metrics.scope === 'validation' ? 'held-out' : 'training'} images ({mistakes.length})
      </summary>
      {mistakes.length === 0 ? (
        <p className="hint">None: every one was right.</p>
      ) : (
        <>
          <p className="hint">A wrong label, or a picture that really is ambiguous? Move it to the class it belongs to, or delete it, then train again.</p>
          <MeasuredList images={mistakes} classIds={summary.classIds} testId="mistake-list" />
        </>
      )}
    </details>
  );
}
