/**
 * "Adapt: auto": the head alone and the adapted network answer the same held-out images; the adapted
 * blocks are kept only when they get strictly more of them right, so auto is never worse than the head
 * alone on those images (a tie keeps the head: it is smaller and cheaper to run). TF-free: the worker,
 * the eval page and the UI's words share it.
 */

export interface AdaptComparison {
  /** How many blocks were adapted. */
  blocks: number;
  /** Held-out images both answered. */
  total: number;
  headCorrect: number;
  adaptedCorrect: number;
}

export interface AdaptChoice extends AdaptComparison {
  kept: 'adapted' | 'head';
  /** Why, in one plain sentence (Under the hood, the train status). */
  reason: string;
}

const percent = (correct: number, total: number) => `${Math.round((100 * correct) / total)}%`;
const blocksWord = (n: number) => `${n} block${n === 1 ? '' : 's'}`;

/** Correct answers: how many `predicted[i]` equal `labels[i]`. */
export function countCorrect(predicted: readonly number[], labels: readonly number[]): number {
  if (predicted.length !== labels.length) throw new Error(`${predicted.length} answers for ${labels.length} labels`);
  return predicted.reduce((sum, p, i) => sum + (p === labels[i] ? 1 : 0), 0);
}

export function chooseAdaptation(c: AdaptComparison): AdaptChoice {
  if (![c.total, c.headCorrect, c.adaptedCorrect].every((x) => Number.isInteger(x) && x >= 0) || c.headCorrect > c.total || c.adaptedCorrect > c.total) {
    throw new Error(`not a comparison: ${JSON.stringify(c)}`);
  }
  if (c.total === 0) {
    return { ...c, kept: 'head', reason: `No images were held out to compare on, so auto kept the head only (adapting ${blocksWord(c.blocks)} was not checked).` };
  }
  const kept = c.adaptedCorrect > c.headCorrect ? 'adapted' : 'head';
  const figures = `adapting ${blocksWord(c.blocks)}: ${percent(c.adaptedCorrect, c.total)} of held-out images right; head only: ${percent(c.headCorrect, c.total)}`;
  return { ...c, kept, reason: `${figures}. ${kept === 'adapted' ? 'Kept the adapted blocks.' : 'Kept the head only.'}` };
}
