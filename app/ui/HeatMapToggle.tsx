import { showHeatMaps, useHeatMap } from '../state/heatMap';

/** Heat maps on the Preview and the live camera, on or off (off: predictions cost nothing more). */
export function HeatMapToggle() {
  const show = useHeatMap((s) => s.show);
  return (
    <label className="check heat-toggle">
      <input type="checkbox" checked={show} onChange={(e) => showHeatMaps(e.target.checked)} data-testid="heat-map-toggle" />
      Show where the model looked
    </label>
  );
}
