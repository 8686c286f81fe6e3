import { test as base, expect, type Page, type Response } from '@playwright/test';
import type { Browser, Worker } from '@playwright/test';
import type {} from '../app/state/testApi';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, 'fixtures', 'emoji');

/** Image files of one class of the fixture set. */
export function images(split: 'train' | 'test', cls: string, limit = Infinity): string[] {
  const dir = join(FIXTURES, split, cls);
  return readdirSync(dir)
    .sort()
    .slice(0, limit)
    .map((f) => join(dir, f));
}

/** Page object: the user's actions, by the stable test ids. */
export class HeadstartPage {
  constructor(readonly page: Page) {}

  async open(query = ''): Promise<void> {
    await this.page.goto(`/${query}`);
    await expect(this.page.getByTestId('model-status')).toContainText(/ready/i, { timeout: 180_000 });
  }

  backend() {
    return this.page.getByTestId('backend');
  }

  card(index: number) {
    return this.page.getByTestId('class-card').nth(index);
  }

  async addClass(name: string): Promise<void> {
    const before = await this.page.getByTestId('class-card').count();
    await this.page.getByTestId('add-class').click();
    const input = this.card(before).getByTestId('class-name');
    await input.fill(name);
    await input.press('Enter');
    await expect(input).toHaveValue(name);
  }

  async addImages(index: number, files: string[] | { name: string; mimeType: string; buffer: Buffer }[], expectedCount?: number): Promise<void> {
    await this.card(index).getByTestId('sample-input').setInputFiles(files);
    if (expectedCount !== undefined) await expect(this.card(index).getByTestId('sample-count')).toHaveText(String(expectedCount), { timeout: 180_000 });
  }

  /** Creates classes in order, each filled with its first N training images of the fixture class of that name. */
  async setUpClasses(classes: Record<string, number>): Promise<void> {
    for (const [i, [name, count]] of Object.entries(classes).entries()) {
      await this.addClass(name);
      await this.addImages(i, images('train', name, count), count);
    }
  }

  /** [class name, image count] of every class, in the order shown. */
  counts() {
    return this.page.evaluate(() => window.headstart?.state().classes.map((c) => [c.name, c.sampleIds.length]));
  }

  /** The worker's tensor/cache counters (embeddingsComputed counts backbone runs since it started). */
  memory() {
    return this.page.evaluate(() => window.headstart?.worker().memory());
  }

  async setEpochs(epochs: number): Promise<void> {
    const field = this.page.getByLabel('Epochs', { exact: true });
    if (!(await field.isVisible())) await this.page.locator('.settings summary').click();
    await field.fill(String(epochs));
  }

  /**
   * Starts training and waits until an epoch is reported: epoch 1 or later, since "epoch 0" is shown from the
   * start, before the mirrors still owed are finished (a Stop then trains nothing, by design).
   */
  async startTraining(epochs: number): Promise<void> {
    await this.setEpochs(epochs);
    await this.page.getByTestId('train-button').click();
    await expect(this.page.getByTestId('train-status')).toContainText(new RegExp(`epoch [1-9]\\d* of ${epochs}`));
  }

  async train(timeout = 180_000): Promise<void> {
    await this.page.getByTestId('train-button').click();
    await expect(this.page.getByTestId('train-status')).toContainText(/trained/i, { timeout });
  }

  /** Classifies one image through the preview panel; returns the top class shown. */
  async predict(file: string): Promise<string> {
    const current = () => this.page.evaluate(() => window.headstart?.state().prediction);
    const before = (await current())?.imageUrl ?? null;
    await this.page.getByTestId('predict-input').setInputFiles(file);
    await expect
      .poll(async () => {
        const p = await current();
        return p && p.imageUrl !== before && p.status !== 'running' ? p.status : 'waiting';
      }, { timeout: 120_000 })
      .toBe('done');
    // The class with the highest score (the first bar), even when it is below the "not sure" threshold.
    return (await this.page.getByTestId('score-bars').locator('li span').first().textContent()) ?? '';
  }

  /** Reloads the page and waits for the backbone, as `open` does (but fails as soon as loading fails). */
  async reload(): Promise<void> {
    await this.page.reload();
    const status = this.page.getByTestId('model-status');
    await expect(status).toHaveText(/ready|failed/i, { timeout: 180_000 });
    await expect(status).toContainText(/ready/i, { timeout: 1 });
  }

  /** Shown once the service worker has cached the app, the worker, the WASM and the models. */
  offlineReady() {
    return this.page.getByTestId('offline-ready');
  }

  /** Presses "Delete all data" and accepts its confirmation. */
  async deleteAll(): Promise<void> {
    this.page.once('dialog', (d) => void d.accept());
    await this.page.getByTestId('delete-all').click();
  }

  /** Once the service worker holds the app: cuts the network and reloads. Returns every response from then on. */
  async reloadOffline(): Promise<Response[]> {
    await expect(this.offlineReady()).toHaveText('Ready to work offline', { timeout: 120_000 });
    await this.page.context().setOffline(true);
    const responses: Response[] = [];
    this.page.on('response', (r) => responses.push(r));
    await this.reload();
    return responses;
  }
}

/** One Content Security Policy violation, as a `securitypolicyviolation` event reports it. */
export interface CspViolation {
  where: 'page' | 'worker';
  directive: string;
  blocked: string;
  source: string;
}

type ViolationLog = { __cspViolations?: CspViolation[] };

/**
 * Collects Content Security Policy violations from the page (an init script, so from the first
 * byte) and from every dedicated worker (a listener added as soon as Playwright sees it), plus
 * console messages and page errors that mention the policy. Call before the first navigation.
 */
export async function watchCsp(page: Page) {
  const messages: string[] = [];
  const workers: Promise<unknown>[] = [];
  const record = (where: string) => {
    const scope = globalThis as typeof globalThis & ViolationLog;
    const log: CspViolation[] = (scope.__cspViolations = []);
    scope.addEventListener('securitypolicyviolation', (event) => {
      const e = event as SecurityPolicyViolationEvent;
      log.push({ where: where as CspViolation['where'], directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}` });
    });
  };
  await page.addInitScript(record, 'page');
  // TF.js's wasm pthread workers (blob: URLs) are left out: parked in Atomics.wait, they never answer an
  // evaluate, so their own violation log is not read (they run only TF.js's script from 'self').
  const watched = (w: Worker) => !w.url().startsWith('blob:');
  page.on('worker', (worker) => {
    if (watched(worker)) workers.push(worker.evaluate(record, 'worker').catch(() => undefined));
  });
  page.on('console', (m) => {
    if (/content security policy/i.test(m.text())) messages.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    if (/content security policy/i.test(e.message)) messages.push(`page error: ${e.message}`);
  });
  const readLog = () => (globalThis as typeof globalThis & ViolationLog).__cspViolations ?? [];
  return {
    /** Everything seen so far: violations in the page and its live workers, then CSP console messages. */
    async all(): Promise<(CspViolation | string)[]> {
      await Promise.all(workers);
      const fromWorker = (w: Worker) => w.evaluate(readLog).catch((): CspViolation[] => []);
      const lists = await Promise.all([page.evaluate(readLog), ...page.workers().filter(watched).map(fromWorker)]);
      return [...lists.flat(), ...messages];
    },
  };
}

/** The directives of a policy string: name → its source list. */
export function parseCsp(policy: string): Record<string, string[]> {
  const directives: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives[name.toLowerCase()] = sources;
  }
  return directives;
}

/** What IndexedDB holds: class names in order, and each saved image's class name (null: no such class) and hash. */
export function stored(page: Page) {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('headstart');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const read = <T,>(store: string, key?: string) =>
      new Promise<T>((resolve, reject) => {
        const request = key === undefined ? db.transaction(store).objectStore(store).getAll() : db.transaction(store).objectStore(store).get(key);
        request.onsuccess = () => resolve(request.result as T);
        request.onerror = () => reject(request.error);
      });
    const project = await read<{ classes: { id: string; name: string }[] } | undefined>('project', 'current');
    const samples = await read<{ classId: string; hash: string }[]>('samples');
    db.close();
    const names = new Map((project?.classes ?? []).map((c) => [c.id, c.name]));
    return { classes: project?.classes.map((c) => c.name) ?? [], samples: samples.map((x) => ({ className: names.get(x.classId) ?? null, hash: x.hash })) };
  });
}

/**
 * Holds IndexedDB's samples store with a transaction of its own (as a slow disk or another tab would), so a
 * command that reads or writes images (a delete) stays in flight until the returned release is called.
 */
export async function holdImageStore(page: Page): Promise<() => Promise<void>> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('headstart');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const store = db.transaction('samples', 'readwrite').objectStore('samples');
          let held = true;
          (window as unknown as { releaseImageStore: () => void }).releaseImageStore = () => (held = false);
          // A request after each keeps the transaction (and the store) busy until released.
          const spin = () => (held ? (store.count().onsuccess = spin) : db.close());
          store.count().onsuccess = () => (spin(), resolve());
        };
      }),
  );
  return () => page.evaluate(() => (window as unknown as { releaseImageStore: () => void }).releaseImageStore());
}

/** The backend choice `auto` remembers in localStorage (app/state/model.ts), per user agent, once per Playwright worker. */
const remembered = new Map<string, Promise<string | null>>();

/**
 * Opens the app once in a fresh profile, where `auto` times wasm and webgl (about 6 s here, most of it
 * webgl's warm-up), and returns the choice it remembers for this device, for later tests to start with.
 */
function rememberedBackend(browser: Browser, baseURL: string | undefined, userAgent: string | undefined): Promise<string | null> {
  const key = userAgent ?? '';
  let choice = remembered.get(key);
  if (!choice) {
    choice = (async () => {
      const context = await browser.newContext({ baseURL, userAgent });
      try {
        const page = await context.newPage();
        await new HeadstartPage(page).open();
        await expect(page.locator('.backend-reason')).toContainText(/^auto: .*measured/);
        return await page.evaluate(() => localStorage.getItem('headstart.backend'));
      } finally {
        await context.close();
      }
    })();
    remembered.set(key, choice);
  }
  return choice;
}

/**
 * Every test fails on an uncaught error or unhandled promise rejection in the page: a command
 * whose failure nobody hears is a bug even when the screen looks right.
 *
 * Each test starts in a new profile that already remembers the backend `auto` measured for this
 * device (as a returning user's would), which saves the warm-ups' 6 s per test; `freshProfile: true`
 * starts with nothing remembered, so `auto` measures again (train-predict.spec.ts checks that path).
 */
export const test = base.extend<{ app: HeadstartPage; freshProfile: boolean }>({
  freshProfile: [false, { option: true }],
  storageState: async ({ storageState, freshProfile, browser, baseURL, userAgent }, use) => {
    if (freshProfile || storageState !== undefined || !baseURL) return use(storageState);
    const choice = await rememberedBackend(browser, baseURL, userAgent);
    const origin = new URL(baseURL).origin;
    // A returning user has also been told once that the browser may clear the project (app/state/storage.ts).
    const told = { name: 'headstart.evictionTold', value: 'e2e/app.ts' };
    await use({ cookies: [], origins: [{ origin, localStorage: [told, ...(choice ? [{ name: 'headstart.backend', value: choice }] : [])] }] });
  },
  app: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    await page.addInitScript(() => {
      addEventListener('unhandledrejection', (e) => console.error(`unhandledrejection: ${String((e.reason as Error)?.message ?? e.reason)}`));
    });
    page.on('console', (m) => {
      if (m.text().startsWith('unhandledrejection:')) errors.push(m.text());
    });
    await use(new HeadstartPage(page));
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };
