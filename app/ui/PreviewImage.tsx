import { useState } from 'react';
import { useHeatMap } from '../state/heatMap';
import { useStore } from '../state/store';
import { HeatMapImage } from './HeatMapImage';
import { HeatMapKey } from './HeatMapKey';
import { shownMap } from './heatMapText';

/** The image being classified; with heat maps on, its centre square (what the model saw) under the map of the class it named, or of one picked. */
export function PreviewImage() {
  const prediction = useStore((s) => s.prediction);
  const heatMap = useHeatMap((s) => s.current);
  const [picked, setPicked] = useState<string | null>(null);
  if (!prediction.imageUrl) return null;
  if (!heatMap || prediction.status !== 'done') return <img className="preview" src={prediction.imageUrl} alt="Image being classified" />;
  const { classId, map } = shownMap(heatMap, picked, prediction.scores[0]?.classId);
  return (
    <figure className="heat-figure" data-testid="preview-heat-map">
      <HeatMapImage src={prediction.imageUrl} alt="Image being classified, its centre square as the model sees it" map={map} size={heatMap.size} px={200} />
      <HeatMapKey heatMap={heatMap} classId={classId} onPick={setPicked} />
    </figure>
  );
}
