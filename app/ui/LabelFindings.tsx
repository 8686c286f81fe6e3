import { keepLabel, openDuplicates, openSuspects } from '../state/labelCheck';
import { useStore } from '../state/store';
import type { LabelCheckResult } from '../worker/protocol';
import { DuplicateList } from './DuplicateList';
import { MeasuredList } from './MeasuredList';

/** What Check labels found, less what was moved, deleted or kept since. */
export function LabelFindings({ result }: { result: LabelCheckResult }) {
  const samples = useStore((s) => s.samples);
  const kept = useStore((s) => s.kept);
  const suspects = openSuspects(result, { samples, kept });
  const pairs = openDuplicates(result, { samples, kept });
  const images = suspects.map((x) => ({ sampleId: x.sampleId, truth: x.given, predicted: x.suggested, confidence: x.suggestedProbability }));
  return (
    <div data-testid="label-findings">
      <p data-testid="label-check-summary">
        Checked {result.images} images in {(result.ms / 1000).toFixed(1)} s: {suspects.length === 0 ? 'none looks labelled wrong' : `${suspects.length} may be labelled wrong`}
        {pairs.length > 0 ? `, ${pairs.length} pair${pairs.length === 1 ? '' : 's'} look the same` : ''}.
      </p>
      {suspects.length > 0 && (
        <>
          <h3>Probably labelled wrong, most doubtful first</h3>
          <MeasuredList images={images} classIds={result.classIds} testId="suspect-list" said="looks like" onKeep={(id) => void keepLabel(id)} />
        </>
      )}
      {pairs.length > 0 && (
        <>
          <h3>The same picture twice</h3>
          <DuplicateList pairs={pairs} />
        </>
      )}
    </div>
  );
}
