import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { useHeatMap } from '../state/heatMap';
import { useStore } from '../state/store';
import { HeatMapCanvas } from './HeatMapCanvas';
import { HeatMapKey } from './HeatMapKey';
import { displayedCentreSquare, shownMap } from './heatMapText';

/** The live camera's heat map, over the part of the video the model sees (its centre square), with its key. */
export function CameraHeatMap({ video }: { video: RefObject<HTMLVideoElement | null> }) {
  const heatMap = useHeatMap((s) => s.current);
  const top = useStore((s) => s.prediction.scores[0]?.classId);
  const [picked, setPicked] = useState<string | null>(null);
  const overlay = useRef<HTMLDivElement>(null);
  // Placed after each new map: the video's place and size can change (layout, another camera).
  useLayoutEffect(() => {
    const [el, box] = [video.current, overlay.current];
    if (!el || !box) return;
    const square = el.videoWidth > 0 ? displayedCentreSquare(el.clientWidth, el.clientHeight, el.videoWidth, el.videoHeight) : null;
    box.hidden = square === null;
    if (square) Object.assign(box.style, { left: `${el.offsetLeft + square.left}px`, top: `${el.offsetTop + square.top}px`, width: `${square.side}px`, height: `${square.side}px` });
  }, [heatMap, video]);
  if (!heatMap) return null;
  const { classId, map } = shownMap(heatMap, picked, top);
  return (
    <div data-testid="camera-heat-map">
      <div ref={overlay} className="camera-heat" hidden>
        <HeatMapCanvas map={map} size={heatMap.size} px={224} />
      </div>
      <HeatMapKey heatMap={heatMap} classId={classId} onPick={setPicked} />
    </div>
  );
}
