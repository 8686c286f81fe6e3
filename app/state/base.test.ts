import { describe, expect, it } from 'vitest';
import { MIRRORS_WATCH_PATIENCE, watchMirrors, type MirrorsWatch } from './base';

const start: MirrorsWatch = { owed: -1, computed: -1, unchanged: 0 };
const figures = (mirrorsOwed: number, mirrorsComputed: number) => ({ mirrorsOwed, mirrorsComputed });

/** Feeds reads through the watch: the first is a command's, the rest the watch's own while it says again. */
function run(reads: ReturnType<typeof figures>[]): number {
  let watch = start;
  for (let i = 0; i < reads.length; i++) {
    const next = watchMirrors(watch, reads[i], i > 0);
    watch = next.watch;
    if (!next.again) return i + 1;
  }
  return Infinity;
}

describe('Under the hood following the mirrors computed behind', () => {
  it('reads again while they are being computed, and stops once none is owed', () => {
    expect(run([figures(40, 0), figures(32, 8), figures(24, 16), figures(8, 32), figures(0, 40), figures(0, 40)])).toBe(5);
  });

  it('stops after a few reads that saw none computed (the worker busy, an original missing) instead of reading forever', () => {
    const stuck = Array.from({ length: 20 }, () => figures(6, 0));
    expect(run(stuck)).toBe(1 + MIRRORS_WATCH_PATIENCE);
  });

  it("a command's read starts it again", () => {
    const stopped = { owed: 6, computed: 0, unchanged: MIRRORS_WATCH_PATIENCE };
    expect(watchMirrors(stopped, figures(6, 0), false).again).toBe(true);
    expect(watchMirrors(stopped, figures(6, 0), true).again).toBe(false);
    expect(watchMirrors(start, figures(0, 6), false).again).toBe(false);
  });
});
