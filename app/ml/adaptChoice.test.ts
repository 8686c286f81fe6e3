import { describe, expect, it } from 'vitest';
import { chooseAdaptation, countCorrect } from './adaptChoice';

describe('Adapt: auto', () => {
  it('keeps the adapted blocks when they answer more held-out images right', () => {
    const choice = chooseAdaptation({ blocks: 4, total: 100, headCorrect: 83, adaptedCorrect: 86 });
    expect(choice.kept).toBe('adapted');
    expect(choice.reason).toBe('adapting 4 blocks: 86% of held-out images right; head only: 83%. Kept the adapted blocks.');
  });

  it('keeps the head when the adapted network loses or ties', () => {
    expect(chooseAdaptation({ blocks: 1, total: 30, headCorrect: 25, adaptedCorrect: 22 }).kept).toBe('head');
    const tie = chooseAdaptation({ blocks: 1, total: 30, headCorrect: 25, adaptedCorrect: 25 });
    expect(tie.kept).toBe('head');
    expect(tie.reason).toMatch(/adapting 1 block: 83%.*head only: 83%\. Kept the head only\.$/);
  });

  it('keeps the head, and says why, when nothing was held out', () => {
    const choice = chooseAdaptation({ blocks: 2, total: 0, headCorrect: 0, adaptedCorrect: 0 });
    expect(choice.kept).toBe('head');
    expect(choice.reason).toMatch(/No images were held out/);
  });

  it('refuses figures that cannot be', () => {
    expect(() => chooseAdaptation({ blocks: 1, total: 10, headCorrect: 11, adaptedCorrect: 3 })).toThrow(/not a comparison/);
    expect(() => countCorrect([1, 2], [1])).toThrow(/2 answers for 1 labels/);
  });

  it('counts correct answers', () => {
    expect(countCorrect([0, 1, 2, 2], [0, 1, 1, 2])).toBe(3);
  });
});
