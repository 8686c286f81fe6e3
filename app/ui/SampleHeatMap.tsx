import { useEffect, useState } from 'react';
import { explainSample } from '../state/heatMap';
import { useStore } from '../state/store';
import { thumbnailUrl } from '../state/thumbnails';
import type { ExplainedPrediction } from '../worker/protocol';
import { HeatMapImage } from './HeatMapImage';
import { HeatMapKey } from './HeatMapKey';
import { shownMap } from './heatMapText';

/** Where the current model looks in one of the project's images, for `classId` first (another can be picked). */
export function SampleHeatMap({ sampleId, classId }: { sampleId: string; classId: string }) {
  const summary = useStore((s) => s.training.summary);
  const name = useStore((s) => s.samples[sampleId]?.name ?? 'image');
  const [shown, setShown] = useState<{ explained: ExplainedPrediction | null; error: string | null }>({ explained: null, error: null });
  const [picked, setPicked] = useState(classId);
  // Asked again when the model changes (a new training).
  useEffect(() => {
    let current = true;
    explainSample(sampleId).then(
      (explained) => current && setShown({ explained, error: null }),
      (error: unknown) => current && setShown({ explained: null, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      current = false;
    };
  }, [sampleId, summary]);
  if (shown.error) return <p className="error">{`${name}: ${shown.error}`}</p>;
  const heatMap = shown.explained?.heatMap;
  if (!heatMap) return <p className="hint">Looking…</p>;
  const { classId: shownClass, map } = shownMap(heatMap, picked);
  return (
    <figure className="heat-figure" data-testid="sample-heat-map">
      <HeatMapImage src={thumbnailUrl(sampleId)} alt={`${name}, as the model sees it`} map={map} size={heatMap.size} px={144} />
      <HeatMapKey heatMap={heatMap} classId={shownClass} onPick={setPicked} />
    </figure>
  );
}
