import { useEffect, useRef } from 'react';
import { heatColour } from './heatMapText';

/**
 * One class's heat map, its size×size values smoothly scaled over whatever lies under the canvas.
 * Hidden from assistive technology: HeatMapKey's sentence is its text alternative.
 */
export function HeatMapCanvas({ map, size, px }: { map: readonly number[]; size: number; px: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const target = canvas.current;
    const ctx = target?.getContext('2d');
    if (!target || !ctx) return;
    const cells = new ImageData(size, size);
    map.forEach((value, i) => cells.data.set(heatColour(value), i * 4));
    const small = document.createElement('canvas');
    small.width = small.height = size;
    small.getContext('2d')?.putImageData(cells, 0, 0);
    ctx.clearRect(0, 0, target.width, target.height);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(small, 0, 0, target.width, target.height);
  }, [map, size, px]);
  return <canvas ref={canvas} width={px} height={px} className="heat-map" aria-hidden="true" data-testid="heat-map-canvas" />;
}
