import { HeatMapCanvas } from './HeatMapCanvas';

/** A picture's centre square, what the model sees, with one class's heat map over it. */
export function HeatMapImage({ src, alt, map, size, px }: { src: string | undefined; alt: string; map: readonly number[] | undefined; size: number; px: number }) {
  return (
    <div className="heat-image" style={{ width: px, height: px }}>
      <img src={src} alt={alt} width={px} height={px} />
      {map && <HeatMapCanvas map={map} size={size} px={px} />}
    </div>
  );
}
