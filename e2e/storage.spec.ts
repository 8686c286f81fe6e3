import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, FIXTURES, images, test, type HeadstartPage } from './app';

// Issue 19, item 2: image bytes are stored in a form every engine keeps in every mode (Safari's private
// browsing and WebKit's ephemeral sessions refuse Blobs in IndexedDB); a database written by version 1
// opens intact; where IndexedDB cannot be used at all the app says so once and works in memory.

interface Dump {
  database: {
    name: string;
    version: number;
    stores: { name: string; keyPath: string | null; autoIncrement: boolean; indexes: { name: string; keyPath: string; unique: boolean; multiEntry: boolean }[]; records: { key: string; value: unknown }[] }[];
  };
  expected: {
    classes: { name: string; images: string[] }[];
    settings: Record<string, unknown>;
    accuracy: number;
    cachedEmbeddings: number;
    predictions: { file: string; scores: { className: string; probability: number }[] }[];
  };
}

const dump = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'db', 'headstart-v1.json'), 'utf8')) as Dump;

/** Writes the dumped database into the page's origin exactly as version 1 did: same version, stores, indexes, and Blobs. */
async function loadDump(page: Page, database: Dump['database']): Promise<void> {
  // A blank page of the app's origin, so the database is written before any version of the app opens it.
  await page.route('**/__blank', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  await page.goto('/__blank');
  await page.evaluate(async (database) => {
    const bytes = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const decode = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(decode);
      if (!v || typeof v !== 'object') return v;
      const o = v as Record<string, unknown>;
      if (typeof o.$blob === 'string') return new Blob([bytes(o.$blob)], { type: o.type as string });
      if (typeof o.$arrayBuffer === 'string') return bytes(o.$arrayBuffer).buffer;
      if (o.$typed === 'Float32Array') return new Float32Array(bytes(o.base64 as string).buffer);
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
    };
    const open = indexedDB.open(database.name, database.version);
    open.onupgradeneeded = () => {
      for (const s of database.stores) {
        const store = open.result.createObjectStore(s.name, { keyPath: s.keyPath, autoIncrement: s.autoIncrement });
        for (const i of s.indexes) store.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry });
      }
    };
    const db = await new Promise<IDBDatabase>((resolve, reject) => ((open.onsuccess = () => resolve(open.result)), (open.onerror = () => reject(open.error))));
    const tx = db.transaction(database.stores.map((s) => s.name), 'readwrite');
    for (const s of database.stores) for (const r of s.records) tx.objectStore(s.name).put(decode(r.value), s.keyPath ? undefined : r.key);
    await new Promise((resolve, reject) => ((tx.oncomplete = resolve), (tx.onerror = () => reject(tx.error))));
    db.close();
  }, database);
  await page.unroute('**/__blank');
}

/** The database as it is now: its version, and each store's records with every Blob found in them counted. */
function storedNow(page: Page) {
  return page.evaluate(async () => {
    const req = <T,>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    const db = await req(indexedDB.open('headstart'));
    const blobs = (v: unknown): number => (v instanceof Blob ? 1 : v && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) ? Object.values(v).reduce((n: number, x) => n + blobs(x), 0) : 0);
    const out: Record<string, { count: number; blobs: number }> = {};
    const originals: Record<string, { base64: string; type: string }> = {};
    for (const name of Array.from(db.objectStoreNames)) {
      const values = await req(db.transaction(name).objectStore(name).getAll());
      out[name] = { count: values.length, blobs: values.reduce((n: number, v) => n + blobs(v), 0) };
    }
    if (db.objectStoreNames.contains('originals')) {
      const store = db.transaction('originals').objectStore('originals');
      const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())]);
      keys.forEach((k, i) => {
        const v = values[i] as { bytes: ArrayBuffer; type: string };
        originals[String(k)] = { base64: btoa(String.fromCharCode(...new Uint8Array(v.bytes))), type: v.type };
      });
    }
    const version = db.version;
    db.close();
    return { version, stores: out, originals };
  });
}

/** The top class and its probability, for each test image of the fixture, as the preview panel shows them now. */
async function predictions(app: HeadstartPage, page: Page) {
  const out: { file: string; className: string; probability: number }[] = [];
  for (const p of dump.expected.predictions) {
    const file = join(FIXTURES, 'test', p.scores[0].className, p.file);
    const className = await app.predict(file);
    const probability = await page.evaluate(() => window.headstart?.state().prediction.scores[0]?.probability ?? NaN);
    out.push({ file: p.file, className, probability });
  }
  return out;
}

test('a database written by version 1 (images as Blobs) opens with every image, embedding and head, and is rewritten without Blobs', async ({ app, page }) => {
  await loadDump(page, dump.database);
  await app.open();
  const { expected } = dump;
  expect(await app.counts()).toEqual(expected.classes.map((c) => [c.name, c.images.length]));
  expect(await page.evaluate(() => {
    const s = window.headstart?.state();
    return s?.classes.map((c) => c.sampleIds.map((id) => s.samples[id].name));
  })).toEqual(expected.classes.map((c) => c.images));
  // Every thumbnail is shown (decoded by the browser), none recomputed from the original.
  const thumbs = page.getByTestId('thumbnails').locator('img');
  await expect(thumbs).toHaveCount(expected.cachedEmbeddings);
  await expect.poll(() => thumbs.evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)).toBe(expected.cachedEmbeddings);
  await expect(page.getByTestId('train-status')).toContainText('trained');
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: expected.cachedEmbeddings, embeddingsComputed: 0 });
  expect(await page.evaluate(() => window.headstart?.state().settings)).toMatchObject({ hiddenUnits: 8, epochs: 30, seed: 7 });
  expect(await page.evaluate(() => window.headstart?.state().training.summary?.metrics.accuracy)).toBe(expected.accuracy);

  // The head predicts as it did when version 1 saved it, without training again.
  const got = await predictions(app, page);
  for (const [i, p] of expected.predictions.entries()) {
    expect(got[i].className, p.file).toBe(p.scores[0].className);
    expect(Math.abs(got[i].probability - p.scores[0].probability), p.file).toBeLessThan(0.01);
  }
  expect(await app.memory()).toMatchObject({ embeddingsComputed: 0 });

  // Version 2 keeps no Blob anywhere; each original is byte for byte the file version 1 stored.
  const now = await storedNow(page);
  expect(now.version).toBe(2);
  for (const [name, s] of Object.entries(now.stores)) expect(s.blobs, `Blobs left in ${name}`).toBe(0);
  const samples = dump.database.stores.find((s) => s.name === 'samples')?.records ?? [];
  expect(Object.keys(now.originals).sort()).toEqual(samples.map((r) => r.key).sort());
  for (const r of samples) {
    const blob = (r.value as { blob: { $blob: string; type: string } }).blob;
    expect(now.originals[r.key], r.key).toEqual({ base64: blob.$blob, type: blob.type });
  }

  // And the rewritten database opens again as it is.
  await app.reload();
  expect(await app.counts()).toEqual(expected.classes.map((c) => [c.name, c.images.length]));
  await expect(page.getByTestId('train-status')).toContainText('trained');
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: expected.cachedEmbeddings, embeddingsComputed: 0 });
});

test('where IndexedDB refuses Blobs (Safari private browsing) images are added, trained on, and restored after a reload', async ({ app, page }) => {
  // WebKit's ephemeral sessions throw this for any value holding a Blob or File (WebKit bug 156347).
  await page.addInitScript(() => {
    const holdsBlob = (v: unknown, depth = 0): boolean =>
      v instanceof Blob || (depth < 4 && !!v && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) && Object.values(v).some((x) => holdsBlob(x, depth + 1)));
    for (const method of ['put', 'add'] as const) {
      const original = IDBObjectStore.prototype[method];
      IDBObjectStore.prototype[method] = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
        if (holdsBlob(value)) throw new DOMException('Error preparing Blob/File data to be stored in object store', 'DataCloneError');
        return original.call(this, value, key);
      };
    }
  });
  await app.open();
  await app.setUpClasses({ fruit: 2, face: 2 });
  await expect(page.getByTestId('notice').filter({ hasText: 'could not be saved' })).toHaveCount(0);
  await app.setEpochs(20);
  await app.train();
  await app.reload();
  expect(await app.counts()).toEqual([['fruit', 2], ['face', 2]]);
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: 4, embeddingsComputed: 0 });
  expect(await app.predict(images('test', 'face')[0])).toBe('face');
});

test('where IndexedDB cannot be opened, the app says so once and keeps the project in memory for the session', async ({ app, page }) => {
  await page.addInitScript(() => {
    localStorage.removeItem('headstart.evictionTold');
    IDBFactory.prototype.open = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
  });
  await app.open();
  const notice = page.getByTestId('notice').filter({ hasText: 'does not let Headstart save anything' });
  await expect(notice).toHaveCount(1);
  await expect(notice).toContainText('The operation is insecure.');
  await expect(page.getByTestId('storage-usage')).toContainText('Not saved');
  await app.setUpClasses({ fruit: 2, face: 2 });
  await expect(page.getByTestId('notice').filter({ hasText: 'could not be saved' })).toHaveCount(0);
  // Augmented views decode the originals again: the worker holds them when nothing is stored.
  await page.evaluate(() => window.headstart?.commands.updateSettings({ augmentViews: 1 }));
  await app.setEpochs(20);
  await app.train();
  expect(await app.predict(images('test', 'fruit')[0])).toBe('fruit');

  // A new worker (after a crash) gets the project back from memory, originals included; still one notice.
  await page.evaluate(() => window.headstart?.crashWorker());
  await expect(page.getByTestId('model-status')).toContainText(/ready/i);
  await expect.poll(() => app.counts()).toEqual([['fruit', 2], ['face', 2]]);
  await page.evaluate(() => window.headstart?.settled());
  await app.train();
  expect(await app.predict(images('test', 'face')[0])).toBe('face');
  await expect(notice).toHaveCount(1);
  await expect(page.getByTestId('notice').filter({ hasText: 'browser has not promised' })).toHaveCount(0);
});

test('persistence is asked for once the project holds images; refused, the user is told once what may happen and what to do', async ({ app, page }) => {
  await page.addInitScript(() => {
    // A first visit (not told yet) in this tab only; later loads keep what the app remembered.
    if (!sessionStorage.getItem('first-load-done')) {
      localStorage.removeItem('headstart.evictionTold');
      sessionStorage.setItem('first-load-done', '1');
    }
    const scope = window as typeof window & { persistCalls: number };
    scope.persistCalls = 0;
    const original = navigator.storage.persist.bind(navigator.storage);
    navigator.storage.persist = () => {
      scope.persistCalls++;
      return original();
    };
  });
  const calls = () => page.evaluate(() => (window as typeof window & { persistCalls: number }).persistCalls);
  const warning = page.getByTestId('notice').filter({ hasText: 'has not promised to keep' });
  await app.open();
  await app.addClass('fruit');
  expect(await calls()).toBe(0);
  await expect(warning).toHaveCount(0);
  await app.addImages(0, images('train', 'fruit', 2), 2);
  // Headless Chromium refuses persistence to a site it has no engagement with.
  await expect(warning).toHaveCount(1);
  await expect(warning).toContainText('install Headstart');
  await expect(warning).toContainText('Download project');
  expect(await calls()).toBe(1);
  await app.addImages(0, images('train', 'fruit', 4).slice(2), 4);
  await expect(page.getByTestId('notice')).toHaveCount(1);
  expect(await calls()).toBe(1);

  // Told once: after a reload the project is asked for again (a browser may grant it later), silently.
  await app.reload();
  await expect.poll(calls).toBe(1);
  await expect(warning).toHaveCount(0);
});
