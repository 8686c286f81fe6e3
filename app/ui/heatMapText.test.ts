import { describe, expect, it } from 'vitest';
import { describeHeatMap, displayedCentreSquare, heatColour, regionShares, shownMap } from './heatMapText';

/** A size×size map with heat only in the cells listed as [row, column]. */
function mapWith(size: number, cells: [number, number][]): number[] {
  const map = new Array<number>(size * size).fill(0);
  for (const [y, x] of cells) map[y * size + x] = 1;
  return map;
}

describe('regionShares', () => {
  it('puts heat in the top right cell into the top right third, not the bottom left (rows are rows)', () => {
    const shares = regionShares(mapWith(7, [[0, 6]]), 7);
    expect(shares[2]).toBeGreaterThan(0.9);
    expect(shares[6]).toBe(0);
    expect(shares.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
  });

  it('cuts in quadrants too', () => {
    const shares = regionShares(mapWith(7, [[6, 0]]), 7, 2);
    expect(shares).toHaveLength(4);
    expect(shares[2]).toBeGreaterThan(0.9);
  });

  it('spreads a uniform map evenly', () => {
    regionShares(new Array(49).fill(0.5), 7).forEach((s) => expect(s).toBeCloseTo(1 / 9, 2));
  });
});

describe('describeHeatMap', () => {
  it('names where the heat is', () => {
    expect(describeHeatMap(mapWith(7, [[6, 0], [5, 0], [6, 1], [5, 1]]), 7, 'fruit')).toMatch(/^For fruit, the model looked mostly at the bottom left of the picture \(\d+% of the heat\)\.$/);
    expect(describeHeatMap(mapWith(7, [[3, 3]]), 7, 'bird')).toMatch(/mostly at the middle of/);
    expect(describeHeatMap(mapWith(7, [[0, 3], [0, 2], [0, 4]]), 7, 'car')).toMatch(/mostly at the top /);
  });

  it('says so when the heat is everywhere or nowhere', () => {
    expect(describeHeatMap(new Array(49).fill(1), 7, 'car')).toBe('For car, the model looked all over the picture.');
    expect(describeHeatMap(new Array(49).fill(0), 7, 'car')).toBe('Nothing in the picture made the model think of car.');
  });
});

describe('heatColour', () => {
  it('is transparent without heat and most opaque and red at the peak', () => {
    expect(heatColour(0)[3]).toBe(0);
    const [r, g, b, a] = heatColour(1);
    expect(r).toBeGreaterThan(200);
    expect(g + b).toBeLessThan(10);
    expect(a).toBeGreaterThan(150);
    expect(heatColour(2)).toEqual(heatColour(1));
  });
});

describe('displayedCentreSquare', () => {
  it('is the middle 168 px of a 640×480 camera shown at 224×168', () => {
    expect(displayedCentreSquare(224, 168, 640, 480)).toEqual({ left: 28, top: 0, side: 168 });
  });

  it('follows the letterbox of a 16:9 camera in a 4:3 box, and a portrait phone camera', () => {
    const wide = displayedCentreSquare(224, 168, 1280, 720);
    expect(wide.side).toBeCloseTo(126, 6);
    expect(wide.left).toBeCloseTo(49, 6);
    expect(wide.top).toBeCloseTo(21, 6);
    expect(displayedCentreSquare(224, 168, 480, 640)).toEqual({ left: 49, top: 21, side: 126 });
  });
});

describe('shownMap', () => {
  const heatMap = { classIds: ['cat', 'dog', 'bird'], maps: [[1], [2], [3]] };
  it('shows the class picked, else the answer, else the first, each with its own map', () => {
    expect(shownMap(heatMap, 'bird', 'dog')).toEqual({ classId: 'bird', map: [3] });
    expect(shownMap(heatMap, null, 'dog')).toEqual({ classId: 'dog', map: [2] });
    expect(shownMap(heatMap, null, undefined)).toEqual({ classId: 'cat', map: [1] });
  });
  it('passes over a class the maps do not have (picked before a new training, or gone)', () => {
    expect(shownMap(heatMap, 'fish', 'dog')).toEqual({ classId: 'dog', map: [2] });
    expect(shownMap(heatMap, 'fish', 'horse')).toEqual({ classId: 'cat', map: [1] });
  });
});
