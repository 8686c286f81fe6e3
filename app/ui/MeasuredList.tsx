import { useStore } from '../state/store';
import type { MeasuredImage } from '../ml/metrics';
import { MeasuredRow } from './MeasuredRow';

/**
 * Images the metrics (or Check labels) were measured on, each with its class and the model's answer
 * (MeasuredRow: move, delete, keep, where it looked). Images moved or deleted since are left out.
 */
export function MeasuredList({ images, classIds, testId, said = 'called', onKeep }: { images: MeasuredImage[]; classIds: string[]; testId: string; said?: string; onKeep?: (sampleId: string) => void }) {
  const samples = useStore((s) => s.samples);
  const shown = images.filter((m) => samples[m.sampleId]?.classId === classIds[m.truth]);
  if (shown.length === 0) return <p className="hint">No images here any more.</p>;
  return (
    <ul className="measured" data-testid={testId}>
      {shown.map((m) => (
        <MeasuredRow key={m.sampleId} image={m} classIds={classIds} said={said} onKeep={onKeep} />
      ))}
    </ul>
  );
}
