import { beforeEach, describe, expect, it } from 'vitest';
import { cancelJobs, idle, runCommand } from './queue';
import { resetStore, useStore } from './store';

const notices = () => useStore.getState().notices.map((n) => n.text);

describe('the command queue', () => {
  beforeEach(() => resetStore());

  it('runs commands one at a time, in the order given, even when an earlier one is slower', async () => {
    const log: string[] = [];
    const slow = runCommand('slow', ['a'], async () => {
      log.push('slow start');
      await new Promise((r) => setTimeout(r, 20));
      log.push('slow end');
    });
    const fast = runCommand('fast', ['b'], async () => void log.push('fast'));
    await Promise.all([slow, fast]);
    expect(log).toEqual(['slow start', 'slow end', 'fast']);
  });

  it('turns a failure into a notice naming what did not happen, and the next command still runs', async () => {
    const failed = runCommand('delete class "cats"', ['a'], async () => {
      throw new Error('disk on fire');
    });
    const next = runCommand('rename', ['a'], async () => 'renamed');
    await expect(failed).resolves.toBeUndefined();
    await expect(next).resolves.toBe('renamed');
    expect(notices()).toEqual(['Could not delete class "cats": disk on fire.']);
  });

  it('cancels the running and queued jobs on the classes named, and only those', async () => {
    let release = () => {};
    const seen: string[] = [];
    const started = new Promise<void>((begun) => {
      void runCommand('ingest a', ['a'], (signal) =>
        new Promise<string>((resolve) => {
          release = () => resolve(signal.aborted ? 'aborted' : 'finished');
          begun();
        }),
      ).then((outcome) => seen.push(`ingest a ${outcome}`));
    });
    await started;
    const queuedA = runCommand('more into a', ['a'], async () => void seen.push('more into a'));
    const queuedB = runCommand('into b', ['b'], async () => void seen.push('into b'));
    cancelJobs(['a']);
    release();
    await Promise.all([queuedA, queuedB]);
    // The running job saw its signal abort; the queued one on 'a' never ran; 'b' was not touched.
    expect(seen).toEqual(['ingest a aborted', 'into b']);
    // Cancelled work is not a failure: no notice.
    expect(notices()).toEqual([]);
  });

  it("'all' cancels every job; idle() resolves once everything queued has finished", async () => {
    const seen: string[] = [];
    const jobs = ['x', 'y'].map((id) => runCommand(id, [id], async (signal) => void (signal.aborted || seen.push(id))));
    cancelJobs('all');
    await idle();
    await Promise.all(jobs);
    expect(seen).toEqual([]);
  });
});
