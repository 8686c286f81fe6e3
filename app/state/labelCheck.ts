/**
 * Check labels: runs the worker's check (queued like every project command), keeps its result in a small
 * store beside the main one, and remembers what the user keeps (the main store's `kept`, saved with the
 * project record, so a kept image or pair is never listed again). Moving and deleting reuse samples.ts
 * and deletion.ts.
 */
import { create } from 'zustand';
import { callback, workerApi } from '../worker/client';
import type { LabelCheckProgress, LabelCheckResult, LabelSuspectInfo } from '../worker/protocol';
import { get, message, refreshMemory, set } from './base';
import { runCommand } from './queue';
import { saveProject } from './samples';
import { classesWithImages, type HeadstartState } from './store';

export interface LabelCheckState {
  status: 'idle' | 'running' | 'done' | 'stopped' | 'error';
  progress: LabelCheckProgress | null;
  result: LabelCheckResult | null;
  error: string | null;
}

const NOT_CHECKED: LabelCheckState = { status: 'idle', progress: null, result: null, error: null };

export const useLabelCheck = create<LabelCheckState>(() => NOT_CHECKED);

/** The project is left: its check (done, stopped or failed) is not shown with the next one. */
export function forgetLabelCheck(): void {
  useLabelCheck.setState(NOT_CHECKED);
}

/** Scores every image of the classes that have images with heads that never saw its label (see worker/labelCheck.ts). */
export function checkLabels(): Promise<void> {
  return runCommand('check the labels', 'all', async (signal) => {
    const { settings } = get();
    const classIds = classesWithImages(get()).map((c) => c.id);
    if (classIds.length < 2) throw new Error('add images to at least two classes first');
    useLabelCheck.setState({ status: 'running', progress: null, error: null });
    const stop = () => void workerApi().stopLabelCheck().catch(() => undefined);
    signal.addEventListener('abort', stop);
    try {
      const result = await workerApi().checkLabels(
        { classIds, settings },
        callback((progress) => useLabelCheck.setState({ progress })),
      );
      useLabelCheck.setState({ status: result.stopped ? 'stopped' : 'done', result, progress: null });
    } catch (error) {
      useLabelCheck.setState({ status: 'error', error: message(error), progress: null });
    } finally {
      signal.removeEventListener('abort', stop);
      await refreshMemory();
    }
  }).then(() => undefined);
}

export function stopLabelCheck(): void {
  void workerApi().stopLabelCheck().catch(() => undefined);
}

/** Keeps an image's label as it is: it is not listed again while it stays in that class. */
export function keepLabel(sampleId: string): Promise<void> {
  const classId = get().samples[sampleId]?.classId;
  if (!classId) return Promise.resolve();
  set((s) => ({ kept: { ...s.kept, labels: { ...s.kept.labels, [sampleId]: classId } } }));
  return saveProject();
}

export const pairKey = (a: string, b: string) => [a, b].sort().join('+');

/** Keeps both images of a pair listed as (nearly) the same picture: the pair is not listed again. */
export function keepPair(a: string, b: string): Promise<void> {
  const key = pairKey(a, b);
  set((s) => ({ kept: { ...s.kept, pairs: s.kept.pairs.includes(key) ? s.kept.pairs : [...s.kept.pairs, key] } }));
  return saveProject();
}

/**
 * The likely label errors still worth showing: in the class they were checked in (not moved or deleted
 * since) and not kept there.
 */
export function openSuspects(result: LabelCheckResult, s: Pick<HeadstartState, 'samples' | 'kept'>): LabelSuspectInfo[] {
  return result.suspects.slice(0, result.flagged).filter((x) => {
    const classId = s.samples[x.sampleId]?.classId;
    return classId === result.classIds[x.given] && s.kept.labels[x.sampleId] !== classId;
  });
}

/** The pairs still worth showing: both images still there, the pair not kept. */
export function openDuplicates(result: LabelCheckResult, s: Pick<HeadstartState, 'samples' | 'kept'>): LabelCheckResult['duplicates'] {
  return result.duplicates.filter((d) => s.samples[d.a] && s.samples[d.b] && !s.kept.pairs.includes(pairKey(d.a, d.b)));
}
