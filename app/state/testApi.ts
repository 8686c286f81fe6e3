/**
 * A small, typed handle on the running app for end-to-end tests and the eval/bench runners:
 * they drive the same commands the UI uses and read real state. Nothing here bypasses the worker.
 */
import { computeMetrics } from '../ml/metrics';
import { HEAD_RECIPES } from '../ml/settings';
import { workerApi, workerDied } from '../worker/client';
import * as commands from './commands';
import { idle } from './queue';
import { useStore } from './store';

export interface HeadstartTestApi {
  state: typeof useStore.getState;
  commands: typeof commands;
  worker: typeof workerApi;
  metrics: typeof computeMetrics;
  /** The settings `npm run eval -- --recipe NAME` trains with. */
  recipes: typeof HEAD_RECIPES;
  /** Simulates the worker crashing (the app must recover). */
  crashWorker: () => void;
  /** Resolves once every project command queued so far has finished. */
  settled: typeof idle;
}

declare global {
  interface Window {
    headstart?: HeadstartTestApi;
  }
}

export function installTestApi(): void {
  window.headstart = { state: useStore.getState, commands, worker: workerApi, metrics: computeMetrics, recipes: HEAD_RECIPES, crashWorker: () => workerDied('simulated crash (test)'), settled: idle };
}
