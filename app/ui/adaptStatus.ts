/** What adapting blocks says while it runs and once it is done: cost, time left, and auto's choice (TF-free). */
import type { AdaptChoiceInfo, EpochReport } from '../worker/protocol';

/** A duration in plain words: "about 40 s", "about 1 min 20 s", "about 12 min". */
export function durationWords(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `about ${seconds} s`;
  if (seconds >= 600) return `about ${Math.round(seconds / 60)} min`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round((seconds % 60) / 10) * 10;
  return rest === 0 ? `about ${minutes} min` : rest === 60 ? `about ${minutes + 1} min` : `about ${minutes} min ${rest} s`;
}

const blocksWord = (n: number) => `${n} block${n === 1 ? '' : 's'}`;

/** The estimate measured before adapting: "Adapting 3 blocks: about 4 min on this device (measured 2.1 s a step, 120 steps)". */
export function estimateText(report: EpochReport): string | null {
  const e = report.estimate;
  if (!e) return null;
  return `Adapting ${blocksWord(report.blocks ?? 0)}: ${durationWords(e.ms)} on this device (measured ${(e.stepMs / 1000).toFixed(1)} s a step, ${e.steps} step${e.steps === 1 ? '' : 's'})`;
}

/** The status line for the adapting phases ('cuts', 'adapt', 'adapt-final'); null for the others. */
export function adaptProgressText(last: EpochReport): string | null {
  const left = last.msLeft !== undefined ? `, ${durationWords(last.msLeft)} left` : '';
  switch (last.phase) {
    case 'cuts':
      return `Preparing the blocks' inputs: ${last.epoch} of ${last.epochs} images${left}`;
    case 'adapt':
    case 'adapt-final': {
      if (last.epoch === 0) return estimateText(last);
      const what = last.blocks === 1 ? 'the last block' : `the last ${last.blocks} blocks`;
      const where = last.phase === 'adapt-final' ? ' on all images' : '';
      return `Adapting ${what} and the head${where}… epoch ${last.epoch} of ${last.epochs}${left}`;
    }
    default:
      return null;
  }
}

/** Under the hood's two sentences: which layers adapted in the model kept, and why auto kept it. */
export function adaptChoiceSentences(choice: AdaptChoiceInfo): [string, string] {
  const layers =
    choice.kept === 'adapted'
      ? `The backbone's last ${blocksWord(choice.blocks)} (${choice.parts.join(', ')}) learned from your images with the head; every other layer stayed frozen.`
      : choice.parts.length > 0
        ? `No backbone layer is adapted in the model kept: only the head learned (${choice.parts.join(', ')} adapted to compare, then set aside).`
        : 'No backbone layer adapted: only the head learned.';
  return [layers, choice.reason[0].toUpperCase() + choice.reason.slice(1)];
}
