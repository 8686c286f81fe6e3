// Makes e2e/fixtures/db/headstart-v1.json: the IndexedDB of a small trained project exactly as the app version
// that ran this script wrote it (every store, every record; Blobs as base64 with their type), plus what that
// project answered, so e2e/db-migration.spec.ts can load it into a fresh profile and check a newer version
// opens it intact. Run it with the app version whose database is to be kept readable:
//   node scripts/make-db-fixture.mjs [--out e2e/fixtures/db/headstart-v1.json]
// It builds a test build into dist-test/db-fixture, serves it, and drives it in headless Chromium on wasm.
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, preview } from 'vite';
import { launchOptions } from './browser.mjs';
import { parseArgs } from './harness.mjs';

const args = parseArgs(process.argv.slice(2));
const out = args.out ?? 'e2e/fixtures/db/headstart-v1.json';
const outDir = 'dist-test/db-fixture';
const emoji = join(import.meta.dirname, '..', 'e2e', 'fixtures', 'emoji');
const CLASSES = ['fruit', 'vehicle', 'face'];
const PER_CLASS = 2;

const files = (split, cls, n) =>
  readdirSync(join(emoji, split, cls))
    .sort()
    .slice(0, n)
    .map((name) => ({ name, base64: readFileSync(join(emoji, split, cls, name)).toString('base64') }));

process.env.VITE_HEADSTART_TEST_API = '1';
await build({ logLevel: 'error', build: { outDir, emptyOutDir: true } });
const server = await preview({ build: { outDir }, preview: { port: 0, strictPort: false }, logLevel: 'error' });
const browser = await chromium.launch(launchOptions());
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.resolvedUrls.local[0]}?backend=wasm`);
  await page.waitForFunction(() => window.headstart?.state().model.status === 'ready', null, { timeout: 300_000 });
  const training = { CLASSES, train: CLASSES.map((c) => files('train', c, PER_CLASS)), test: CLASSES.map((c) => files('test', c, 1)) };
  const result = await page.evaluate(async ({ CLASSES, train, test }) => {
    const h = window.headstart;
    const file = (f) => new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: 'image/png' });
    // Settings that differ from the defaults, so a test can see they came back; a small head keeps the file small.
    h.commands.updateSettings({ hiddenUnits: 8, epochs: 30, seed: 7 });
    for (const [i, name] of CLASSES.entries()) await h.commands.addFiles(h.commands.addClass(name), train[i].map(file));
    await h.commands.train();
    const state = h.state();
    if (state.training.status !== 'trained') throw new Error(`training ended ${state.training.status}: ${state.training.error}`);
    const names = new Map(state.classes.map((c) => [c.id, c.name]));
    const predictions = [];
    for (const f of test.flat()) {
      const scores = await h.worker().predict(file(f));
      predictions.push({ file: f.name, scores: scores.map((s) => ({ className: names.get(s.classId), probability: s.probability })) });
    }
    const memory = await h.worker().memory();
    const info = state.model.info;

    // Every store of the database, every record, as JSON: Blobs, ArrayBuffers and typed arrays tagged with base64.
    const base64 = (buffer) => {
      const bytes = new Uint8Array(buffer);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const encode = async (v) => {
      if (v instanceof Blob) return { $blob: base64(await v.arrayBuffer()), type: v.type };
      if (v instanceof ArrayBuffer) return { $arrayBuffer: base64(v) };
      if (ArrayBuffer.isView(v)) return { $typed: v.constructor.name, base64: base64(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) };
      if (Array.isArray(v)) return Promise.all(v.map(encode));
      if (v && typeof v === 'object') return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await encode(x)])));
      return v;
    };
    const req = (r) => new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    const db = await req(indexedDB.open('headstart'));
    const stores = [];
    for (const name of [...db.objectStoreNames].sort()) {
      const store = db.transaction(name).objectStore(name);
      const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())]);
      const indexes = [...store.indexNames].map((i) => {
        const index = store.index(i);
        return { name: i, keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry };
      });
      stores.push({ name, keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexes, records: await Promise.all(keys.map(async (key, i) => ({ key, value: await encode(values[i]) }))) });
    }
    const version = db.version;
    db.close();
    return {
      database: { name: 'headstart', version, stores },
      expected: {
        classes: state.classes.map((c) => ({ name: c.name, images: c.sampleIds.map((id) => state.samples[id].name) })),
        settings: state.settings,
        backbone: { id: info.backbone.id },
        accuracy: state.training.summary.metrics.accuracy,
        cachedEmbeddings: memory.cachedEmbeddings,
        predictions,
      },
    };
  }, training);
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  mkdirSync(dirname(out), { recursive: true });
  const json = { format: 'headstart-indexeddb-dump', madeBy: `scripts/make-db-fixture.mjs at ${commit}`, made: new Date().toISOString().slice(0, 10), ...result };
  writeFileSync(out, `${JSON.stringify(json, null, 1)}\n`);
  const counts = result.database.stores.map((s) => `${s.name} ${s.records.length}`).join(', ');
  console.log(`${out}: database version ${result.database.version}, ${counts}; ${(readFileSync(out).length / 1024).toFixed(0)} KiB`);
  console.log(JSON.stringify(result.expected.predictions));
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}
