/**
 * "Export model" in TFLite (float32, int8), ONNX and PyTorch (issue 18): a project trained on the sample
 * dataset's 36 photos is exported once per format through the dialog's buttons, and each downloaded file
 * is loaded in its own runtime — LiteRT.js in Chromium, onnxruntime-node, PyTorch — on images prepared
 * from the file's headstart.json alone, against Headstart's own answers (the worker's predict, as the
 * Preview asks it). Then the bad cases: too little memory to quantise, and a model opened, not trained.
 */
import type { BrowserContext, Download, Page } from '@playwright/test';
import { fromBinary } from '@bufbuild/protobuf';
import { unzipSync } from 'fflate';
import { ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTORCH_SNIPPET } from '../app/ui/exportSnippets';
import { expect, HeadstartPage, test } from './app';

const root = join(import.meta.dirname, '..');
const PORT = Number(process.env.HEADSTART_PORT ?? 4173);
const PYTHON = process.env.HEADSTART_PYTHON ?? '/usr/bin/python3';
/** A second origin on the loopback, answered by page.route: LiteRT.js and the files it runs. */
const LITERT = 'http://localhost:4998';
const LITERT_FILES: Record<string, string> = {
  '/litert.js': join(root, 'node_modules/@litertjs/core/dist/index.js'),
  '/wasm-utils.js': join(root, 'node_modules/@litertjs/wasm-utils/dist/index.js'),
};
const LITERT_PAGE = `<!doctype html><html><body>
<script type="importmap">{ "imports": { "@litertjs/wasm-utils": "/wasm-utils.js" } }</script>
<script type="module">
  import { loadLiteRt, loadAndCompile, Tensor } from '/litert.js';
  await loadLiteRt('/wasm/');
  /** The model's probabilities for each prepared image (RGB bytes): pixel × scale + offset, or the raw pixel for a uint8 input. */
  window.classify = async (modelPath, count, { size, scale, offset }) => {
    const model = await loadAndCompile(modelPath, { accelerator: 'wasm' });
    const [input] = model.getInputDetails();
    const pixels = new Uint8Array(await (await fetch('/inputs.bin')).arrayBuffer());
    const each = size * size * 3;
    const results = [];
    for (let i = 0; i < count; i++) {
      const rgb = pixels.subarray(i * each, (i + 1) * each);
      const tensor = new Tensor(input.dtype === 'uint8' ? Uint8Array.from(rgb) : Float32Array.from(rgb, (p) => p * scale + offset), [1, size, size, 3]);
      const [out] = await model.run(tensor);
      results.push(Array.from(out.toTypedArray()));
      tensor.delete();
      out.delete();
    }
    model.delete();
    return { dtype: input.dtype, results };
  };
  document.body.dataset.ready = 'yes';
</script></body></html>`;

interface Statement {
  layout: 'NHWC' | 'NCHW';
  size: number;
  fit: string;
  scale: number;
  offset: number;
  labels: string[];
}

/** One sample photo: Headstart's probabilities (label order) and its pixels prepared as the statement says (RGB bytes). */
interface Photo {
  id: string;
  name: string;
  className: string;
  heldOut: boolean;
  app: number[];
  rgb: Uint8Array;
}

let context: BrowserContext;
let page: Page;
let app: HeadstartPage;
const errors: string[] = [];
let labels: string[] = [];
let photos: Photo[] = [];
let heldOut: Photo[] = [];
let downloaded = 0;
/** The float32 TFLite file's size, for the int8 one's. */
let floatTfliteBytes = 0;

const argmax = (values: readonly number[]) => values.indexOf(Math.max(...values));
const maxDiff = (a: readonly number[], b: ArrayLike<number>) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** Clicks a format's button in the dialog and returns the one file it downloads, unzipped, and the seconds it took. */
async function exportWith(testId: string): Promise<{ download: Download; files: Record<string, Uint8Array>; seconds: number }> {
  const started = Date.now();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.getByTestId(testId).click()]);
  const seconds = (Date.now() - started) / 1000;
  return { download, files: unzipSync(new Uint8Array(readFileSync((await download.path())!))), seconds };
}

function statementOf(files: Record<string, Uint8Array>): Statement {
  return JSON.parse(new TextDecoder().decode(files['headstart.json'])) as Statement;
}

/** Runs a .tflite in LiteRT.js (TFLite's interpreter with XNNPack, wasm) in a page of its own, on `images`. */
async function inLiteRt(model: Uint8Array, images: Photo[], statement: Statement): Promise<{ dtype: string; results: number[][] }> {
  const runner = await context.newPage();
  const inputs = Buffer.concat(images.map((p) => Buffer.from(p.rgb)));
  await runner.route(`${LITERT}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: LITERT_PAGE });
    if (path === '/model.tflite') return route.fulfill({ contentType: 'application/octet-stream', body: Buffer.from(model) });
    if (path === '/inputs.bin') return route.fulfill({ contentType: 'application/octet-stream', body: inputs });
    if (path in LITERT_FILES) return route.fulfill({ contentType: 'text/javascript', body: readFileSync(LITERT_FILES[path]) });
    if (path.startsWith('/wasm/')) {
      const file = join(root, 'node_modules/@litertjs/core/wasm', path.slice('/wasm/'.length));
      return route.fulfill({ contentType: file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', body: readFileSync(file) });
    }
    return route.fulfill({ status: 404 });
  });
  try {
    await runner.goto(`${LITERT}/`);
    await expect(runner.locator('body')).toHaveAttribute('data-ready', 'yes', { timeout: 60_000 });
    return await runner.evaluate(
      ([count, s]) => (Reflect.get(window, 'classify') as (p: string, n: number, s: unknown) => Promise<{ dtype: string; results: number[][] }>)('/model.tflite', count, s),
      [images.length, statement] as const,
    );
  } finally {
    await runner.close();
  }
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }, testInfo) => {
  testInfo.setTimeout(420_000);
  context = await browser.newContext({ baseURL: `http://localhost:${PORT}`, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    addEventListener('unhandledrejection', (e) => console.error(`unhandledrejection: ${String((e.reason as Error)?.message ?? e.reason)}`));
  });
  page.on('console', (m) => {
    if (m.text().startsWith('unhandledrejection:')) errors.push(m.text());
  });
  page.on('download', () => downloaded++);
  app = new HeadstartPage(page);
  await app.open();
  // Try a sample dataset: 3 classes × 12 real photos (Tux Paint's stamps).
  await page.getByTestId('sample-dataset').click();
  await expect.poll(() => app.counts(), { timeout: 180_000 }).toEqual([['bird', 12], ['flower', 12], ['fruit', 12]]);
  await app.train();

  // Headstart's answers for every photo (the worker's predict, as the Preview asks it), and each photo
  // prepared as a statement with size 224 and fit "cover" says: the centred square at 224 × 224, on white.
  const answers = await page.evaluate(async (size) => {
    const hs = window.headstart!;
    const s = hs.state();
    const summary = s.training.summary!;
    const held = new Set((summary.measured ?? []).map((m) => m.sampleId));
    const out = [];
    for (const c of s.classes) {
      for (const id of c.sampleIds) {
        const name = s.samples[id].name;
        const blob = await (await fetch(`samples/tuxpaint-photos/${c.name}/${name}`)).blob();
        const scores = await hs.worker().predict(blob);
        const bitmap = await createImageBitmap(blob);
        const side = Math.min(bitmap.width, bitmap.height);
        const canvas = new OffscreenCanvas(size, size);
        const g = canvas.getContext('2d')!;
        g.fillStyle = '#fff';
        g.fillRect(0, 0, size, size);
        g.imageSmoothingQuality = 'high';
        g.drawImage(bitmap, Math.floor((bitmap.width - side) / 2), Math.floor((bitmap.height - side) / 2), side, side, 0, 0, size, size);
        const rgba = g.getImageData(0, 0, size, size).data;
        let rgb = '';
        for (let i = 0; i < rgba.length; i += 4) rgb += String.fromCharCode(rgba[i], rgba[i + 1], rgba[i + 2]);
        out.push({ id, name, className: c.name, heldOut: held.has(id), app: summary.classIds.map((k) => scores.find((x) => x.classId === k)!.probability), rgb: btoa(rgb) });
      }
    }
    return { labels: summary.classIds.map((k) => s.classes.find((c) => c.id === k)!.name), out, backend: s.model.info?.choice.backend ?? '' };
  }, 224);
  labels = answers.labels;
  photos = answers.out.map((p) => ({ ...p, rgb: new Uint8Array(Buffer.from(p.rgb, 'base64')) }));
  heldOut = photos.filter((p) => p.heldOut);
  console.log(`trained on ${answers.backend}: ${photos.length} photos, ${heldOut.length} held out (${heldOut.map((p) => p.name).join(', ')})`);
  expect(heldOut.length).toBeGreaterThanOrEqual(3);
  await page.getByTestId('export-model').click();
});

test.afterEach(() => {
  expect(errors, 'uncaught errors in the trained page').toEqual([]);
});

test.afterAll(async () => {
  await context?.close();
});

test('the dialog names where each format runs, with its snippets', async () => {
  for (const id of ['tflite', 'tflite-int8', 'onnx', 'pytorch']) await expect(page.getByTestId(`export-${id}`)).toBeEnabled();
  await expect(page.getByRole('dialog')).toContainText('Android and iOS apps');
  await expect(page.getByRole('dialog')).toContainText('Edge TPU compiler');
  await expect(page.getByRole('dialog')).toContainText('Python, C#, C++ and JavaScript services');
  await expect(page.getByRole('dialog')).toContainText('torchrun');
  await expect(page.getByTestId('snippet-pytorch')).toHaveText(PYTORCH_SNIPPET, { useInnerText: false });
  for (const id of ['tflite-python', 'tflite-kotlin', 'onnx-python', 'onnx-csharp', 'onnx-node']) await expect(page.getByTestId(`snippet-${id}`)).toHaveCount(1);
});

test('TFLite float32: LiteRT.js gives Headstart\'s answers within 1e-3, labels and statement inside the file', async () => {
  const { download, files, seconds } = await exportWith('export-tflite');
  expect(download.suggestedFilename()).toBe('headstart-model-tflite.zip');
  expect(Object.keys(files).sort()).toEqual(['headstart.json', 'labels.txt', 'model.tflite']);
  const statement = statementOf(files);
  expect(statement).toEqual({ layout: 'NHWC', size: 224, fit: 'cover', scale: 1 / 255, offset: 0, labels });
  expect(new TextDecoder().decode(files['labels.txt'])).toBe(labels.join('\n') + '\n');
  floatTfliteBytes = files['model.tflite'].length;
  await expect(page.getByTestId('export-tflite-status')).toContainText('Downloaded headstart-model-tflite.zip');

  const { dtype, results } = await inLiteRt(files['model.tflite'], heldOut, statement);
  expect(dtype).toBe('float32');
  let worst = 0;
  heldOut.forEach((p, i) => {
    expect(argmax(results[i]), `${p.name} in LiteRT.js`).toBe(argmax(p.app));
    worst = Math.max(worst, maxDiff(p.app, results[i]));
  });
  console.log(`TFLite float32: ${mb(floatTfliteBytes)}, exported in ${seconds.toFixed(1)} s; LiteRT.js vs Headstart on ${heldOut.length} held-out photos: max |diff| ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-3);
});

test('too little memory left to quantise: the dialog says so, nothing is downloaded or changed', async () => {
  const before = { downloads: downloaded, counts: await app.counts(), trainMs: await page.evaluate(() => window.headstart!.state().training.summary!.trainMs) };
  // A device that says it has 256 MB (navigator.deviceMemory, as a small phone's).
  await page.evaluate(() => Object.defineProperty(Navigator.prototype, 'deviceMemory', { configurable: true, get: () => 0.25 }));
  await page.getByTestId('export-tflite-int8').click();
  await expect(page.getByTestId('export-tflite-int8-error')).toContainText(/int8 model was not made: quantising it needs about \d+ MB of memory and about -?\d+ MB is left on this device/);
  await page.evaluate(() => delete (Navigator.prototype as { deviceMemory?: number }).deviceMemory);
  await page.evaluate(() => window.headstart!.settled());
  expect(downloaded).toBe(before.downloads);
  expect(await app.counts()).toEqual(before.counts);
  expect(await page.evaluate(() => window.headstart!.state().training.summary!.trainMs)).toBe(before.trainMs);
  await expect(page.getByTestId('notice')).toHaveCount(0);
});

test('TFLite int8: calibrated with progress, ≤ 30% of the float size, LiteRT.js agrees with Headstart on ≥ 95% of the held-out photos', async () => {
  test.skip(floatTfliteBytes === 0, 'needs the float32 export of the test before');
  const watching = exportWith('export-tflite-int8');
  await expect(page.getByTestId('export-tflite-int8-status')).toContainText(/Calibrating on the training images: \d+ of \d+/);
  const { download, files, seconds } = await watching;
  expect(download.suggestedFilename()).toBe('headstart-model-int8.zip');
  expect(Object.keys(files).sort()).toEqual(['headstart.json', 'labels.txt', 'model.tflite']);
  const statement = statementOf(files);
  expect(statement).toEqual({ layout: 'NHWC', size: 224, fit: 'cover', scale: 1, offset: 0, labels });
  const bytes = files['model.tflite'].length;
  expect(bytes).toBeLessThanOrEqual(0.3 * floatTfliteBytes);
  const report = page.getByTestId('export-int8-report');
  await expect(report).toContainText(`of the float32 model's ${mb(floatTfliteBytes)}`);
  const shown = (await report.textContent())!.match(/on (\d+) of (\d+) held-out images/)!;

  const { dtype, results } = await inLiteRt(files['model.tflite'], photos, statement);
  expect(dtype).toBe('uint8');
  const agreeOn = (set: Photo[]) => set.filter((p) => argmax(results[photos.indexOf(p)]) === argmax(p.app)).length;
  const held = agreeOn(heldOut);
  const all = agreeOn(photos);
  const worst = Math.max(...heldOut.map((p) => maxDiff(p.app, results[photos.indexOf(p)])));
  console.log(
    `TFLite int8: ${mb(bytes)} (${((100 * bytes) / floatTfliteBytes).toFixed(1)}% of float32), exported in ${seconds.toFixed(1)} s; ` +
      `LiteRT.js top class = Headstart's on ${held} of ${heldOut.length} held-out photos and ${all} of ${photos.length} photos in all; ` +
      `held-out max |diff| ${worst.toFixed(3)}; the dialog says ${shown[1]} of ${shown[2]}`,
  );
  expect(held / heldOut.length).toBeGreaterThanOrEqual(0.95);
  expect(all / photos.length).toBeGreaterThanOrEqual(0.95);
  // The dialog's figure (its TF.js simulation of the int8 arithmetic) is the real file's, counted on the same images.
  expect(Number(shown[2])).toBe(heldOut.length);
  expect(Number(shown[1])).toBe(held);
});

test('ONNX: onnxruntime-node gives Headstart\'s answers within 1e-4, the statement in metadata_props', async () => {
  const { download, files, seconds } = await exportWith('export-onnx');
  expect(download.suggestedFilename()).toBe('headstart-model-onnx.zip');
  expect(Object.keys(files).sort()).toEqual(['headstart.json', 'model.onnx']);
  const statement = statementOf(files);
  expect(statement).toEqual({ layout: 'NCHW', size: 224, fit: 'cover', scale: 1 / 255, offset: 0, labels });
  // The same statement is inside the model: metadata_props "headstart".
  const props = fromBinary(ModelProtoSchema, files['model.onnx']).metadataProps;
  expect(JSON.parse(props.find((p) => p.key === 'headstart')!.value)).toEqual(statement);
  const session = await ort.InferenceSession.create(files['model.onnx']);
  const { size, scale, offset } = statement;
  let worst = 0;
  for (const p of heldOut) {
    const x = new Float32Array(3 * size * size);
    p.rgb.forEach((v, i) => (x[(i % 3) * size * size + Math.floor(i / 3)] = v * scale + offset));
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, size, size]) });
    const probabilities = out[session.outputNames[0]].data as Float32Array;
    expect(argmax(Array.from(probabilities)), `${p.name} in onnxruntime`).toBe(argmax(p.app));
    worst = Math.max(worst, maxDiff(p.app, probabilities));
  }
  await session.release();
  console.log(`ONNX: ${mb(files['model.onnx'].length)}, exported in ${seconds.toFixed(1)} s; onnxruntime-node vs Headstart on ${heldOut.length} held-out photos: max |diff| ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-4);
});

test('PyTorch: the zip\'s own script predicts Headstart\'s answers within 1e-4, as its README says to run it', async () => {
  const { download, files, seconds } = await exportWith('export-pytorch');
  expect(download.suggestedFilename()).toBe('headstart-model-pytorch.zip');
  expect(Object.keys(files).sort()).toEqual(['README.txt', 'headstart.json', 'headstart_torch.py', 'model.npz']);
  expect(new TextDecoder().decode(files['headstart_torch.py'])).toBe(readFileSync(join(root, 'python/headstart_torch.py'), 'utf8'));
  expect(new TextDecoder().decode(files['README.txt'])).toContain(PYTORCH_SNIPPET);
  expect(statementOf(files)).toEqual({ layout: 'NCHW', size: 224, fit: 'cover', scale: 1 / 255, offset: 0, labels });
  const dir = mkdtempSync(join(tmpdir(), 'headstart-pytorch-'));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  // The prepared photos as PNGs (lossless, already 224 × 224, so the script's own preparation keeps every pixel).
  mkdirSync(join(dir, 'held-out'));
  const images = heldOut.map((p) => {
    const png = new PNG({ width: 224, height: 224 });
    p.rgb.forEach((v, i) => (png.data[Math.floor(i / 3) * 4 + (i % 3)] = v));
    for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
    const file = join('held-out', p.name.replace(/\.\w+$/, '.png'));
    writeFileSync(join(dir, file), PNG.sync.write(png));
    return file;
  });
  // The README's first command, as written (photo.jpg: the first held-out photo), then every photo as JSON.
  const command = PYTORCH_SNIPPET.split('\n').find((line) => line.startsWith('python3 headstart_torch.py predict'))!;
  writeFileSync(join(dir, 'photo.jpg'), readFileSync(join(root, 'public/samples/tuxpaint-photos', heldOut[0].className, heldOut[0].name)));
  const printed = execFileSync(PYTHON, command.split(' ').slice(1), { cwd: dir, encoding: 'utf8' });
  expect(printed).toContain(`photo.jpg: ${labels[argmax(heldOut[0].app)]}`);
  const started = Date.now();
  const json = JSON.parse(execFileSync(PYTHON, ['headstart_torch.py', 'predict', 'model.npz', ...images, '--json'], { cwd: dir, encoding: 'utf8' })) as { labels: string[]; predictions: { probabilities: number[] }[] };
  expect(json.labels).toEqual(labels);
  let worst = 0;
  heldOut.forEach((p, i) => {
    expect(argmax(json.predictions[i].probabilities), `${p.name} in PyTorch`).toBe(argmax(p.app));
    worst = Math.max(worst, maxDiff(p.app, json.predictions[i].probabilities));
  });
  console.log(`PyTorch: ${mb(files['model.npz'].length)} npz, exported in ${seconds.toFixed(1)} s; the script vs Headstart on ${heldOut.length} held-out photos: max |diff| ${worst.toExponential(2)} (predict took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  expect(worst).toBeLessThan(1e-4);
});

test('a model opened, not trained here: the dialog says why it cannot be exported and changes nothing', async ({ browser }) => {
  // The TF.js export of the trained project, to open elsewhere.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-model-download').click()]);
  const tfjsZip = readFileSync((await download.path())!);

  const other = await browser.newContext({ baseURL: `http://localhost:${PORT}`, acceptDownloads: true });
  try {
    const fresh = await other.newPage();
    let downloads = 0;
    fresh.on('download', () => downloads++);
    const openedApp = new HeadstartPage(fresh);
    await openedApp.open();
    await fresh.getByTestId('open-model-input').setInputFiles({ name: 'headstart-model.zip', mimeType: 'application/zip', buffer: tfjsZip });
    await expect(fresh.getByTestId('opened-model')).toContainText(labels.join(', '));
    await fresh.getByTestId('export-model').click();
    await expect(fresh.getByTestId('export-refused')).toContainText('headstart-model was opened from a file, not trained here');
    for (const id of ['model-download', 'tflite', 'tflite-int8', 'onnx', 'pytorch']) await expect(fresh.getByTestId(`export-${id}`)).toBeDisabled();
    expect(downloads).toBe(0);
    expect(await openedApp.counts()).toEqual([]);
    expect(await fresh.evaluate(() => window.headstart!.state().training.summary)).toBeNull();
    await expect(fresh.getByTestId('opened-model')).toContainText(labels.join(', '));
  } finally {
    await other.close();
  }
});
