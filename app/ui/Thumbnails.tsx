import { deleteSample } from '../state/commands';
import { useStore } from '../state/store';

const SHOWN = 48;

/** The newest thumbnails of a class; each can be deleted. */
export function Thumbnails({ sampleIds }: { sampleIds: string[] }) {
  const samples = useStore((s) => s.samples);
  const shown = sampleIds.slice(-SHOWN).reverse();
  return (
    <ul className="thumbs">
      {shown.map((sid) => {
        const sample = samples[sid];
        return (
          sample && (
            <li key={sid}>
              <img src={sample.thumbUrl} alt={sample.name} title={sample.name} width={48} height={48} />
              <button type="button" aria-label={`Delete ${sample.name}`} onClick={() => void deleteSample(sid)}>
                ×
              </button>
            </li>
          )
        );
      })}
      {sampleIds.length > SHOWN && <li className="more">+{sampleIds.length - SHOWN} more</li>}
    </ul>
  );
}
