import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STUCK_MS, watchLoad, type Stuck } from './loadWatch';

const never = () => new Promise<never>(() => {});
const answers = () => Promise.resolve(true);

describe('watchLoad', () => {
  let seen: Stuck[];
  const onStuck = (why: Stuck) => seen.push(why);
  beforeEach(() => {
    vi.useFakeTimers();
    seen = [];
  });
  afterEach(() => vi.useRealTimers());

  it('gives up on a worker that stops answering, once, after STUCK_MS', async () => {
    let alive = true;
    watchLoad(() => (alive ? answers() : never()), onStuck);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(seen).toEqual([]);
    alive = false;
    await vi.advanceTimersByTimeAsync(STUCK_MS + 2_000);
    expect(seen).toEqual(['unresponsive']);
    await vi.advanceTimersByTimeAsync(10 * STUCK_MS);
    expect(seen).toEqual(['unresponsive']);
  });

  it('leaves a worker that answers alone however long its load takes', async () => {
    const watch = watchLoad(answers, onStuck);
    await vi.advanceTimersByTimeAsync(10 * STUCK_MS);
    expect(seen).toEqual([]);
    watch.stop();
  });

  it('says the threaded start when it does not finish, whether the worker answers or not', async () => {
    const answering = watchLoad(answers, onStuck);
    answering.stage('starting');
    await vi.advanceTimersByTimeAsync(STUCK_MS + 1);
    expect(seen).toEqual(['threads']);

    seen = [];
    const blocked = watchLoad(never, onStuck);
    blocked.stage('starting');
    await vi.advanceTimersByTimeAsync(STUCK_MS + 1);
    expect(seen).toEqual(['threads']);
  });

  it('is quiet once the threaded start finishes, and after stop()', async () => {
    const started = watchLoad(answers, onStuck);
    started.stage('starting');
    await vi.advanceTimersByTimeAsync(STUCK_MS / 2);
    started.stage('started');
    await vi.advanceTimersByTimeAsync(3 * STUCK_MS);
    expect(seen).toEqual([]);
    started.stop();

    const stopped = watchLoad(never, onStuck);
    stopped.stop();
    await vi.advanceTimersByTimeAsync(3 * STUCK_MS);
    expect(seen).toEqual([]);
  });
});
