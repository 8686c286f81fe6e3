import { describe, expect, it } from 'vitest';
import type { AdaptChoiceInfo, EpochReport } from '../worker/protocol';
import { adaptChoiceSentences, adaptProgressText, durationWords } from './adaptStatus';

const report = (patch: Partial<EpochReport>): EpochReport => ({ phase: 'adapt', blocks: 3, epoch: 1, epochs: 5, loss: 0.5, accuracy: NaN, valLoss: null, valAccuracy: null, ms: 1000, ...patch });

describe('what adapting says', () => {
  it('says durations in seconds, then minutes and tens of seconds, then minutes', () => {
    expect(durationWords(40_400)).toBe('about 40 s');
    expect(durationWords(80_000)).toBe('about 1 min 20 s');
    expect(durationWords(119_000)).toBe('about 2 min');
    expect(durationWords(252_000)).toBe('about 4 min 10 s');
    expect(durationWords(14 * 60_000)).toBe('about 14 min');
  });

  it('gives the estimate before the first pass, then each pass with the time left', () => {
    expect(adaptProgressText(report({ epoch: 0, estimate: { stepMs: 2100, steps: 120, ms: 252_000 } }))).toBe(
      'Adapting 3 blocks: about 4 min 10 s on this device (measured 2.1 s a step, 120 steps)',
    );
    expect(adaptProgressText(report({ epoch: 2, msLeft: 65_000 }))).toBe('Adapting the last 3 blocks and the head… epoch 2 of 5, about 1 min 10 s left');
    expect(adaptProgressText(report({ phase: 'cuts', epoch: 4, epochs: 10, msLeft: 9000 }))).toBe("Preparing the blocks' inputs: 4 of 10 images, about 9 s left");
    expect(adaptProgressText(report({ phase: 'final' }))).toBeNull();
  });

  it('names the layers of the model kept, then why', () => {
    const choice: AdaptChoiceInfo = {
      mode: 'auto', blocks: 1, parts: ['expanded_conv_16', 'Conv_1'], kept: 'head', reason: 'adapting 1 block: 50% of held-out images right; head only: 75%. Kept the head only.',
      total: 4, headCorrect: 3, adaptedCorrect: 2, stopped: false, refused: false,
    };
    expect(adaptChoiceSentences(choice)).toEqual([
      'No backbone layer is adapted in the model kept: only the head learned (expanded_conv_16, Conv_1 adapted to compare, then set aside).',
      'Adapting 1 block: 50% of held-out images right; head only: 75%. Kept the head only.',
    ]);
    expect(adaptChoiceSentences({ ...choice, kept: 'adapted' })[0]).toBe("The backbone's last 1 block (expanded_conv_16, Conv_1) learned from your images with the head; every other layer stayed frozen.");
  });
});
