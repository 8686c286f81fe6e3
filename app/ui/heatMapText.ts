/** Heat maps as the page draws and words them (TF-free: pure numbers in, colours and sentences out). */

/** The colours of the map, from a little heat to the most: one list for the overlay and its legend. */
export const HEAT_STOPS: readonly (readonly [number, number, number])[] = [
  [255, 235, 59],
  [255, 152, 0],
  [211, 0, 0],
];

/** Most opaque the overlay gets (at a map's peak), so the picture stays visible under it. */
export const HEAT_ALPHA = 0.75;

/** RGBA (0–255) of a map value in [0, 1]: transparent where there is no heat. */
export function heatColour(value: number): [number, number, number, number] {
  const v = Math.min(1, Math.max(0, value));
  const at = v * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(at));
  const t = at - i;
  const [a, b] = [HEAT_STOPS[i], HEAT_STOPS[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * t)).concat(Math.round(255 * HEAT_ALPHA * v)) as [number, number, number, number];
}

/** The legend's CSS gradient, the same colours as the overlay. */
export const HEAT_GRADIENT = `linear-gradient(to right, ${HEAT_STOPS.map(([r, g, b]) => `rgb(${r} ${g} ${b})`).join(', ')})`;

/**
 * The map smoothly upsampled (bilinear, cell centres at (i + ½)/size, as the overlay is drawn) and
 * sampled at n × n points: the share of its heat in each part of the picture cut `parts` × `parts`
 * (thirds by default), row by row, top left first.
 */
export function regionShares(map: readonly number[], size: number, parts = 3, n = 30 * parts): number[] {
  const at = (y: number, x: number) => map[Math.min(size - 1, Math.max(0, y)) * size + Math.min(size - 1, Math.max(0, x))];
  const sample = (u: number, v: number) => {
    const [fy, fx] = [v * size - 0.5, u * size - 0.5];
    const [y0, x0] = [Math.floor(fy), Math.floor(fx)];
    const [ty, tx] = [fy - y0, fx - x0];
    return (at(y0, x0) * (1 - tx) + at(y0, x0 + 1) * tx) * (1 - ty) + (at(y0 + 1, x0) * (1 - tx) + at(y0 + 1, x0 + 1) * tx) * ty;
  };
  const shares = new Array<number>(parts * parts).fill(0);
  let total = 0;
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const value = sample((i + 0.5) / n, (j + 0.5) / n);
      shares[Math.floor((parts * j) / n) * parts + Math.floor((parts * i) / n)] += value;
      total += value;
    }
  return total > 0 ? shares.map((s) => s / total) : shares;
}

/**
 * The class whose map is shown, and that map: the first of `wanted` (the one picked, then the answer) the
 * maps have, else their first class.
 */
export function shownMap(heatMap: { classIds: readonly string[]; maps: readonly (readonly number[])[] }, ...wanted: (string | null | undefined)[]): { classId: string; map: readonly number[] } {
  const classId = wanted.find((id): id is string => id != null && heatMap.classIds.includes(id)) ?? heatMap.classIds[0];
  return { classId, map: heatMap.maps[heatMap.classIds.indexOf(classId)] };
}

const REGIONS = ['top left', 'top', 'top right', 'left', 'middle', 'right', 'bottom left', 'bottom', 'bottom right'];

/** The text alternative of a heat map: where the heat for `className` is, in words. */
export function describeHeatMap(map: readonly number[], size: number, className: string): string {
  const shares = regionShares(map, size);
  if (shares.every((s) => s === 0)) return `Nothing in the picture made the model think of ${className}.`;
  const order = shares.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  if (order[0][0] < 0.2) return `For ${className}, the model looked all over the picture.`;
  const named = order.filter(([s], k) => k === 0 || (k === 1 && s >= 0.2));
  const where = named.map(([, i]) => (i === 4 ? 'the middle' : `the ${REGIONS[i]}`)).join(' and ');
  const pct = Math.round(named.reduce((sum, [s]) => sum + s, 0) * 100);
  return `For ${className}, the model looked mostly at ${where} of the picture (${pct}% of the heat).`;
}

/**
 * Where a video's centre square (what the model sees) is drawn inside its element, which shows the whole
 * frame scaled to fit (object-fit: contain): left, top and side in CSS pixels.
 */
export function displayedCentreSquare(boxWidth: number, boxHeight: number, videoWidth: number, videoHeight: number): { left: number; top: number; side: number } {
  const scale = Math.min(boxWidth / videoWidth, boxHeight / videoHeight);
  const side = Math.min(videoWidth, videoHeight) * scale;
  return { left: (boxWidth - side) / 2, top: (boxHeight - side) / 2, side };
}
