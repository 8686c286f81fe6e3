/**
 * The one place the project's commands are ordered. Every command that changes the project
 * (add, delete, move, undo, rename, train, import, delete all) runs here, one at a time, in the
 * order the user gave them, so no command sees another half-done. Each job names the classes it
 * works on; `cancelJobs` aborts the ones a destructive command would pull the ground from under
 * (deleting a class cancels the ingest into it; deleting everything cancels everything). A failed
 * command becomes a notice naming what did not happen; nothing here ever rejects.
 */
import { message, notify } from './base';

/** The classes a job works on, or 'all' (training, delete all). */
export type Scope = readonly string[] | 'all';

interface Job {
  scope: Scope;
  controller: AbortController;
}

const jobs = new Set<Job>();
let tail: Promise<unknown> = Promise.resolve();

const overlaps = (a: Scope, b: Scope) => a === 'all' || b === 'all' || a.some((id) => b.includes(id));

/**
 * Queues `work`; it starts when every command before it has finished. `what` completes the
 * sentence "Could not …" in the notice shown if it fails. Resolves to its result, or undefined
 * when it failed or was cancelled (a cancelled job that had not started never runs).
 */
export function runCommand<T>(what: string, scope: Scope, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const job: Job = { scope, controller: new AbortController() };
  jobs.add(job);
  const run = tail.then(async () => {
    const { signal } = job.controller;
    try {
      if (signal.aborted) return undefined;
      return await work(signal);
    } catch (error) {
      if (!signal.aborted) notify('error', `Could not ${what}: ${message(error)}.`);
      return undefined;
    } finally {
      jobs.delete(job);
    }
  });
  tail = run;
  return run;
}

/** Aborts every queued or running job whose scope overlaps `scope`. */
export function cancelJobs(scope: Scope): void {
  for (const job of jobs) if (overlaps(job.scope, scope)) job.controller.abort();
}

/** Resolves once every command queued so far has finished. */
export function idle(): Promise<void> {
  return tail.then(() => undefined);
}
