import type { HeatMap } from '../worker/protocol';
import { describeHeatMap, HEAT_GRADIENT } from './heatMapText';
import { useClassName } from './useClassName';

/** Which class's map is shown (any class can be picked), its colours, and where it is in words (the map's text alternative). */
export function HeatMapKey({ heatMap, classId, onPick }: { heatMap: HeatMap; classId: string; onPick: (classId: string) => void }) {
  const name = useClassName();
  const index = heatMap.classIds.indexOf(classId);
  return (
    <div className="heat-key">
      <label>
        Where it looked for{' '}
        <select value={classId} onChange={(e) => onPick(e.target.value)} data-testid="heat-map-class">
          {heatMap.classIds.map((id) => (
            <option key={id} value={id}>
              {name(id)}
            </option>
          ))}
        </select>
      </label>
      <span className="heat-legend" aria-hidden="true">
        less <span className="heat-bar" style={{ background: HEAT_GRADIENT }} /> more
      </span>
      <p className="heat-caption" data-testid="heat-map-text">
        {index < 0 ? '' : describeHeatMap(heatMap.maps[index], heatMap.size, name(classId))}
      </p>
    </div>
  );
}
