// The flows a class uses, in one browser session per engine, each step a test that builds on the one
// before: open, Try a sample dataset, add files, train, predict, export the model and open it,
// reload (nothing recomputed), reload offline, export the dataset and import it back.
import { unzipSync } from 'fflate';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type {} from '../../app/state/testApi';
import type { Engine } from './engine';
import { BASE_URL, serve } from './server';

const REPO = join(import.meta.dirname, '..', '..');
const SAMPLE = join(REPO, 'public', 'samples', 'tuxpaint-photos');
const manifest = JSON.parse(readFileSync(join(SAMPLE, 'manifest.json'), 'utf8')) as { classes: string[]; files: { class: string; file: string }[] };
const sampleCounts: [string, number][] = manifest.classes.map((c) => [c, manifest.files.filter((f) => f.class === c).length]);
/** The class the flow adds by hand: emoji vehicles, nothing like the sample's photos. */
const VEHICLES = join(REPO, 'e2e', 'fixtures', 'emoji', 'train', 'vehicle');
const vehicles = readdirSync(VEHICLES).sort().slice(0, 4).map((f) => join(VEHICLES, f));
const heldOutVehicle = join(REPO, 'e2e', 'fixtures', 'emoji', 'test', 'vehicle', 'blue_car.png');
const birdPhoto = join(SAMPLE, manifest.files.find((f) => f.class === 'bird')!.file);
const allCounts: [string, number][] = [...sampleCounts, ['vehicle', vehicles.length]];
const total = allCounts.reduce((n, [, k]) => n + k, 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until `done` holds; fails with the last value seen, or at once when `fatal` says so. */
async function until<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 180_000, fatal?: (v: T) => string | null): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    const reason = fatal?.(value);
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

export function classFlow(launch: () => Promise<Engine>): void {
  let e: Engine;
  let server: PreviewServer | null = null;
  let failed = false;

  beforeAll(async () => {
    server = await serve();
    e = await launch();
  });
  afterAll(async () => {
    await e?.close();
    await server?.close();
  });

  /** A step of the flow: skipped once one before it failed; fails on an error the page did not handle. */
  const step = (name: string, body: () => Promise<void>) =>
    it(name, async (ctx) => {
      if (failed) ctx.skip();
      try {
        await body();
        expect(await e.errors(), 'errors nobody handled in the page').toEqual([]);
      } catch (error) {
        failed = true;
        throw error;
      }
    });

  const notices = () => e.run(() => Array.from(document.querySelectorAll('[data-testid="notice"]'), (n) => n.textContent ?? ''));
  const text = (selector: string) => e.run((s) => document.querySelector(s)?.textContent ?? '', selector);
  const counts = () => e.run(() => window.headstart!.state().classes.map((c) => [c.name, c.sampleIds.length]));
  const memory = () => e.run(() => window.headstart!.worker().memory());

  /** Waits for the classes and their image counts; a notice saying images were not added fails at once. */
  async function countsAre(expected: [string, number][], sorted = false): Promise<void> {
    const state = async () => ({ counts: await counts(), notices: await notices() });
    const tidy = (c: (string | number)[][]) => JSON.stringify(sorted ? [...c].sort() : c);
    await until(
      'classes and counts',
      state,
      (s) => tidy(s.counts) === tidy(expected),
      180_000,
      (s) => s.notices.find((n) => /not added|could not/i.test(n)) ?? null,
    );
  }

  async function modelReady(): Promise<void> {
    await until('model status', () => text('[data-testid="model-status"]'), (t) => /ready|failed/i.test(t));
    expect(await text('[data-testid="model-status"]')).toMatch(/ready/i);
  }

  /** Classifies `file` through Preview; the top class shown. */
  async function predict(file: string): Promise<string> {
    const before = await e.run(() => window.headstart!.state().prediction.imageUrl);
    await e.upload('[data-testid="predict-input"]', 0, [file]);
    const status = await until(
      'prediction',
      () => e.run(() => window.headstart!.state().prediction),
      (p) => p.imageUrl !== before && p.status !== 'running',
      120_000,
    );
    expect(status.error).toBeNull();
    return text('[data-testid="score-bars"] li span');
  }

  /** Waits for the browser to finish saving `name` in its downloads folder; the file's bytes. */
  async function downloaded(name: string): Promise<Uint8Array> {
    const path = join(e.downloads, name);
    let size = -1;
    await until(
      `the download ${name} in ${e.downloads}`,
      async () => {
        const before = size;
        size = existsSync(path) ? statSync(path).size : -1;
        return size > 0 && size === before && !readdirSync(e.downloads).some((f) => f.startsWith(name) && f !== name);
      },
      (done) => done,
      60_000,
    );
    return new Uint8Array(readFileSync(path));
  }

  let modelZip = '';

  step('opens: the model gets ready', async () => {
    await e.goto(BASE_URL);
    await modelReady();
    console.log(`${e.name}: backend ${await text('[data-testid="backend"]')} (${await text('.backend-reason')})`);
  });

  step('Try a sample dataset fills its classes', async () => {
    await e.click('[data-testid="sample-dataset"]');
    await countsAre(sampleCounts);
  });

  step('adds files through a class’s file picker', async () => {
    await e.click('[data-testid="add-class"]');
    await e.type('[data-testid="class-name"]', sampleCounts.length, 'vehicle');
    await e.upload('[data-testid="sample-input"]', sampleCounts.length, vehicles);
    await countsAre(allCounts);
    // No notice names one of the files (other notices, such as WebKit's storage warning, may stand).
    expect((await notices()).filter((n) => vehicles.some((f) => n.includes(basename(f))))).toEqual([]);
  });

  step('trains', async () => {
    await e.click('[data-testid="train-button"]');
    await until('training', () => text('[data-testid="train-status"]'), (t) => /trained/i.test(t), 180_000);
  });

  step('predicts: a sample photo and a held-out image', async () => {
    expect(await predict(birdPhoto)).toBe('bird');
    expect(await predict(heldOutVehicle)).toBe('vehicle');
  });

  step('exports the model zip', async () => {
    await e.click('[data-testid="export-model"]');
    await e.click('[data-testid="export-model-download"]');
    const zip = unzipSync(await downloaded('headstart-model.zip'));
    modelZip = join(e.downloads, 'headstart-model.zip');
    const metadata = JSON.parse(new TextDecoder().decode(zip['metadata.json']));
    const model = JSON.parse(new TextDecoder().decode(zip['model.json']));
    expect(metadata).toMatchObject({ labels: allCounts.map(([c]) => c), imageSize: 224 });
    const shards: string[] = model.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
    expect(Object.keys(zip).sort()).toEqual(['metadata.json', 'model.json', ...shards].sort());
    await e.click('.export-dialog form button');
  });

  step('opens the exported model and classifies with it', async () => {
    await e.upload('[data-testid="open-model-input"]', 0, [modelZip]);
    await until('the opened model', () => text('[data-testid="opened-model"]'), (t) => t.includes(allCounts.map(([c]) => c).join(', ')), 60_000);
    await e.upload('[data-testid="opened-model-predict-input"]', 0, [heldOutVehicle]);
    await until('its answer', () => text('[data-testid="opened-model-scores"] li span'), (t) => t !== '', 60_000);
    expect(await text('[data-testid="opened-model-scores"] li span')).toBe('vehicle');
  });

  step('a reload restores the project and the trained model, recomputing nothing', async () => {
    await e.reload();
    await modelReady();
    await countsAre(allCounts);
    await until('the restored model', () => text('[data-testid="train-status"]'), (t) => /trained/i.test(t), 60_000);
    expect(await memory()).toMatchObject({ cachedEmbeddings: total, embeddingsComputed: 0 });
    expect(await predict(heldOutVehicle)).toBe('vehicle');
  });

  step('with the server gone, a reload comes from the service worker and the model still predicts', async () => {
    await until('offline-ready', () => text('[data-testid="offline-ready"]'), (t) => t === 'Ready to work offline', 120_000);
    await server!.close();
    server = null;
    expect(await e.run(() => fetch(`/not-cached-${Date.now()}`).then(() => 'fetched', () => 'failed'))).toBe('failed');
    await e.reload();
    await modelReady();
    expect(await e.run(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await countsAre(allCounts);
    expect(await predict(birdPhoto)).toBe('bird');
    server = await serve();
  });

  step('exports the dataset zip (the files as added) and imports it back', async () => {
    await e.click('[data-testid="export-dataset"]');
    const zipPath = join(e.downloads, 'headstart-dataset.zip');
    const entries = unzipSync(await downloaded('headstart-dataset.zip'));
    const files = Object.keys(entries).filter((k) => !k.endsWith('/'));
    expect(files).toHaveLength(total);
    for (const file of vehicles) expect(Buffer.from(entries[`vehicle/${basename(file)}`])).toEqual(readFileSync(file));
    for (const f of manifest.files) expect(Buffer.from(entries[`${f.class}/${basename(f.file)}`]), f.file).toEqual(readFileSync(join(SAMPLE, f.file)));

    await e.click('[data-testid="delete-all"]');
    await until('the empty project', counts, (c) => c.length === 0, 60_000);
    await e.upload('[data-testid="zip-input"]', 0, [zipPath]);
    await countsAre(allCounts, true);
  });
}
