import { describe, expect, it } from 'vitest';
import { initialState, type HeadstartState } from '../state/store';
import type { TrainSummary } from '../worker/protocol';
import { announcement } from './announcement';

const summary = { stopped: false, metrics: { scope: 'validation', count: 4, confusion: [[2, 0], [1, 1]] } } as unknown as TrainSummary;
const withTraining = (training: Partial<HeadstartState['training']>): HeadstartState => {
  const s = initialState();
  return { ...s, training: { ...s.training, ...training } };
};

describe('what a screen reader hears when training ends', () => {
  const running = withTraining({ status: 'training', history: [] });

  it('the held-out result of a training that finished', () => {
    expect(announcement(withTraining({ status: 'trained', summary }), running, 0.6, null)).toBe('Training finished. On images held out: 3 of 4 right.');
  });

  it('nothing of the old result when Stop came before anything was trained (the notice says so)', () => {
    expect(announcement(withTraining({ status: 'trained', summary, stoppedBefore: true }), running, 0.6, null)).toBeNull();
    expect(announcement(withTraining({ status: 'idle', stoppedBefore: true }), running, 0.6, null)).toBeNull();
  });
});
