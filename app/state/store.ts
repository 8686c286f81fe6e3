/**
 * The one Zustand store: ids, names, counts, status and history. Tensors, models and image
 * data live in the worker; thumbnails are object URLs of small blobs the worker made.
 */
import { create } from 'zustand';
import { DEFAULT_HEAD_SETTINGS } from '../ml/settings';
import type { ClassScore, EpochReport, HeadSettings, IngestProgress, MemoryInfo, ModelInfo, TrainSummary } from '../worker/protocol';
import type { KeptLabels } from '../platform/db';

export interface ClassInfo {
  id: string;
  name: string;
  sampleIds: string[];
}

export interface Sample {
  id: string;
  classId: string;
  name: string;
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  /** A button the notice offers. */
  action?: 'undo';
  /** What the notice waits for: once it holds, the notice has nothing left to say and goes (base.ts). */
  until?: NoticeCause;
}

/** States a notice can wait for: 'two-classes' (two classes have images), 'active-class' (a class is chosen). */
export type NoticeCause = 'two-classes' | 'active-class';

/** 'waiting': queued behind images still being added. */
export type TrainingStatus = 'idle' | 'waiting' | 'training' | 'trained' | 'stopped' | 'error';

export interface HeadstartState {
  classes: ClassInfo[];
  samples: Record<string, Sample>;
  /** Selected images (to move or delete together). */
  selected: string[];
  /** The class pasted images go to: the one last clicked or added. */
  activeClassId: string | null;
  model: { status: 'loading' | 'ready' | 'error'; info: ModelInfo | null; error: string | null };
  ingest: IngestProgress | null;
  /** `stoppedBefore`: the last Train was stopped before it trained anything, and this is the state from before it. */
  training: { status: TrainingStatus; history: EpochReport[]; summary: TrainSummary | null; error: string | null; stale: boolean; stoppedBefore?: boolean };
  settings: HeadSettings;
  prediction: { status: 'idle' | 'running' | 'done' | 'error'; scores: ClassScore[]; imageUrl: string | null; error: string | null };
  memory: MemoryInfo | null;
  /** The browser's storage figures; `available` false: nothing can be stored, the project lives in this tab (db.ts). */
  storage: { usage: number; quota: number; persisted: boolean; available: boolean } | null;
  notices: Notice[];
  /** Check labels' "Keep" (saved with the project): those images and pairs are not listed again. */
  kept: KeptLabels;
}

export const initialState = (): HeadstartState => ({
  classes: [],
  samples: {},
  selected: [],
  activeClassId: null,
  model: { status: 'loading', info: null, error: null },
  ingest: null,
  training: { status: 'idle', history: [], summary: null, error: null, stale: false },
  settings: { ...DEFAULT_HEAD_SETTINGS },
  prediction: { status: 'idle', scores: [], imageUrl: null, error: null },
  memory: null,
  storage: null,
  notices: [],
  kept: { labels: {}, pairs: [] },
});

export const useStore = create<HeadstartState>()(() => initialState());

/** The classes that hold images: training and Check labels need two of them. */
export const classesWithImages = (s: Pick<HeadstartState, 'classes'>): ClassInfo[] => s.classes.filter((c) => c.sampleIds.length > 0);

/** Whether a model can be trained or the labels checked: two classes hold images. */
export const twoClassesHaveImages = (s: Pick<HeadstartState, 'classes'>): boolean => classesWithImages(s).length >= 2;

/** Resets the store (tests, "new project"). */
export function resetStore(): void {
  useStore.setState(initialState(), true);
}
