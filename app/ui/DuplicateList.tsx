import { deleteSamples } from '../state/commands';
import { keepPair } from '../state/labelCheck';
import { useStore } from '../state/store';
import { thumbnailUrl } from '../state/thumbnails';
import type { LabelCheckResult } from '../worker/protocol';
import { useClassName } from './useClassName';

/** Pairs of images that are (nearly) the same picture: in two classes, or twice in one. Delete either, or keep both. */
export function DuplicateList({ pairs }: { pairs: LabelCheckResult['duplicates'] }) {
  const samples = useStore((s) => s.samples);
  const className = useClassName();
  return (
    <ul className="measured" data-testid="duplicate-list">
      {pairs.map(({ a, b, cosine }) => {
        const [x, y] = [samples[a], samples[b]];
        return (
          <li key={`${a}+${b}`}>
            <span className="pair">
              <img src={thumbnailUrl(a)} alt={x.name} width={48} height={48} />
              <img src={thumbnailUrl(b)} alt={y.name} width={48} height={48} />
            </span>
            <span>
              {x.classId === y.classId ? <>Twice in {className(x.classId)}</> : <>In <strong>{className(x.classId)}</strong> and in <strong>{className(y.classId)}</strong></>}: {x.name} and {y.name}{' '}
              (similarity {cosine.toFixed(3)})
            </span>
            <span className="measured-actions">
              {[x, y].map((s) => (
                <button key={s.id} type="button" className="danger" onClick={() => void deleteSamples([s.id])} aria-label={`Delete ${s.name} from ${className(s.classId)}`}>
                  Delete {s.name}
                </button>
              ))}
              <button type="button" onClick={() => void keepPair(a, b)} aria-label={`Keep both ${x.name} and ${y.name}`}>
                Keep both
              </button>
            </span>
          </li>
        );
      })}
    </ul>
  );
}
