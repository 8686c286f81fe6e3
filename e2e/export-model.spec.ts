import type { Page } from '@playwright/test';
import { unzipSync, zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HTML_SNIPPET, MODULE_SNIPPET, SQUARE } from '../app/ui/exportSnippets';
import { expect, images, test } from './app';

const CLASSES = ['fruit', 'vehicle', 'face'];
/** A second origin on the loopback, answered entirely by page.route: the pages that use the export. */
const ELSEWHERE = 'http://localhost:4999';
const root = join(import.meta.dirname, '..');
const TM_FILES: Record<string, string> = {
  '/tf.min.js': join(root, 'e2e/tm-compat/node_modules/@tensorflow/tfjs/dist/tf.min.js'),
  '/teachablemachine-image.min.js': join(root, 'e2e/tm-compat/node_modules/@teachablemachine/image/dist/teachablemachine-image.min.js'),
  '/tf.fesm.js': join(root, 'node_modules/@tensorflow/tfjs/dist/tf.fesm.js'),
};
const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript', json: 'application/json', html: 'text/html', png: 'image/png', bin: 'application/octet-stream' };

/**
 * ml5's dist/ml5.min.js (npm ml5@1.4.0), given by path: the npm package installs 685 MB (MediaPipe,
 * tfjs-models, tfjs-vis…), too much for a devDependency, so that test runs only when this is set
 * (e.g. after `npm pack ml5@1.4.0` and unpacking it).
 */
const ML5 = process.env.HEADSTART_ML5 ?? '';

type Scores = Record<string, number>;

/** Serves the unzipped export under /model/, the libraries, the snippet pages, the current photo and the held-out images. */
async function serveElsewhere(page: Page, model: Record<string, Uint8Array>, photo: () => Buffer): Promise<void> {
  const pages: Record<string, string> = {
    // The snippet as shown, on photo.png; then, in the same page (library, model and shaders loaded once),
    // the snippet's own calls on every held-out image.
    '/tm.html': `<!doctype html><html><body>${HTML_SNIPPET}
<script>
  async function classifyHeldOut() {
    const model = await tmImage.load('model/model.json', 'model/metadata.json');
    const results = [];
    for (const src of ${JSON.stringify(HELD_OUT_URLS)}) {
      const img = new Image();
      img.src = src;
      await img.decode();
      results.push(await model.predict(square(img, model.getMetadata().imageSize)));
    }
    return results;
  }
</script></body></html>`,
    // The module snippet's classify() on every held-out image.
    '/module.html': `<!doctype html><html><body>
<script type="importmap">{ "imports": { "@tensorflow/tfjs": "/tf.fesm.js" } }</script>
<script type="module">
  import { classify } from '/classify.js';
  const results = [];
  for (const src of ${JSON.stringify(HELD_OUT_URLS)}) {
    const img = new Image();
    img.src = src;
    await img.decode();
    results.push(await classify(img));
  }
  document.body.dataset.result = JSON.stringify(results);
</script></body></html>`,
    '/classify.js': MODULE_SNIPPET,
    '/ml5.html': `<!doctype html><html><body>
<script src="/ml5.min.js"></script>
<img id="photo" src="photo.png" alt="">
<script>
${SQUARE}
  // ml5 1.x hands the loaded classifier to the callback (the value returned at once is a p5 wrapper).
  ml5.imageClassifier('${ELSEWHERE}/model/model.json', async (classifier) => {
    const photo = document.getElementById('photo');
    await photo.decode();
    document.body.dataset.result = JSON.stringify(await classifier.classify(square(photo, 224)));
  });
</script></body></html>`,
  };
  await page.route(`${ELSEWHERE}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    const type = CONTENT_TYPES[path.split('.').pop() ?? ''] ?? 'application/octet-stream';
    let body: Buffer | string | undefined;
    if (path in pages) body = pages[path];
    else if (path in TM_FILES) body = readFileSync(TM_FILES[path]);
    else if (path === '/ml5.min.js' && ML5) body = readFileSync(ML5);
    else if (path === '/photo.png') body = photo();
    else if (HELD_OUT_URLS.includes(path)) body = readFileSync(heldOut[HELD_OUT_URLS.indexOf(path)]);
    else if (path.startsWith('/model/') && model[path.slice('/model/'.length)]) body = Buffer.from(model[path.slice('/model/'.length)]);
    await (body === undefined ? route.fulfill({ status: 404 }) : route.fulfill({ status: 200, contentType: type, body }));
  });
}

function maxDiff(a: Scores, b: Scores): number {
  return Math.max(...Object.keys(a).map((k) => Math.abs(a[k] - b[k])));
}
const top = (s: Scores) => Object.entries(s).sort((x, y) => y[1] - x[1])[0][0];

/** Filled by the first test: the downloaded export and Headstart's own probabilities for each held-out image. */
let exported: Record<string, Uint8Array> = {};
let ours: Scores[] = [];
const heldOut = CLASSES.flatMap((c) => images('test', c));
const HELD_OUT_URLS = heldOut.map((f) => `/held-out/${basename(f)}`);

test.describe.configure({ mode: 'serial' });

test('the exported model gives Headstart\'s predictions in Teachable Machine\'s library and in TF.js', async ({ app, page, context }) => {
  await app.open();
  await expect(page.getByTestId('export-model')).toHaveCount(0);
  await app.setUpClasses({ fruit: 6, vehicle: 6, face: 6 });
  await app.train();

  // Headstart's own probabilities for the held-out images.
  ours = [];
  for (const file of heldOut) {
    await app.predict(file);
    ours.push(await page.evaluate(() => {
      const s = window.headstart!.state();
      return Object.fromEntries(s.prediction.scores.map((p) => [s.classes.find((c) => c.id === p.classId)!.name, p.probability]));
    }));
  }

  await page.getByTestId('export-model').click();
  await expect(page.getByTestId('snippet-html')).toHaveText(HTML_SNIPPET, { useInnerText: false });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-model-download').click()]);
  const zip = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  exported = zip;
  const modelJson = JSON.parse(new TextDecoder().decode(zip['model.json']));
  const metadata = JSON.parse(new TextDecoder().decode(zip['metadata.json']));
  expect(metadata).toMatchObject({ labels: CLASSES, imageSize: 224, fit: 'cover', packageName: 'headstart' });
  expect(modelJson.modelTopology.model_config.class_name).toBe('Model');
  const shards: string[] = modelJson.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
  expect(shards.length).toBeGreaterThan(1);
  expect(Object.keys(zip).sort()).toEqual(['metadata.json', 'model.json', ...shards].sort());

  const elsewhere = await context.newPage();
  await serveElsewhere(elsewhere, zip, () => readFileSync(heldOut[0]));
  type TmScores = { className: string; probability: number }[];
  // Teachable Machine's library: the HTML snippet as shown on the first image, then its calls on each one.
  await elsewhere.goto(`${ELSEWHERE}/tm.html`);
  await expect(elsewhere.locator('#result')).not.toBeEmpty({ timeout: 120_000 });
  const snippetScores = JSON.parse((await elsewhere.locator('#result').textContent())!) as TmScores;
  const tmAll = await elsewhere.evaluate(() => (Reflect.get(window, 'classifyHeldOut') as () => Promise<TmScores[]>)());
  // TF.js 4.22 through the module snippet, on each image.
  await elsewhere.goto(`${ELSEWHERE}/module.html`);
  await expect(elsewhere.locator('body')).toHaveAttribute('data-result', /label/, { timeout: 120_000 });
  const moduleAll = JSON.parse((await elsewhere.locator('body').getAttribute('data-result'))!) as { label: string; probability: number }[][];
  expect(tmAll).toHaveLength(heldOut.length);
  expect(moduleAll).toHaveLength(heldOut.length);

  const diffs = { tm: 0, module: 0 };
  for (const [i, file] of heldOut.entries()) {
    for (const tmScores of i === 0 ? [snippetScores, tmAll[i]] : [tmAll[i]]) {
      const tm = Object.fromEntries(tmScores.map((s) => [s.className, s.probability]));
      expect(top(tm), `${basename(file)} in Teachable Machine's library`).toBe(top(ours[i]));
      diffs.tm = Math.max(diffs.tm, maxDiff(tm, ours[i]));
    }
    const mod = Object.fromEntries(moduleAll[i].map((s) => [s.label, s.probability]));
    expect(top(mod), `${basename(file)} with @tensorflow/tfjs`).toBe(top(ours[i]));
    diffs.module = Math.max(diffs.module, maxDiff(mod, ours[i]));
  }
  console.log(`max |probability difference| over ${heldOut.length} held-out images: Teachable Machine ${diffs.tm.toExponential(2)}, TF.js module ${diffs.module.toExponential(2)}`);
  expect(diffs.tm).toBeLessThan(0.02);
  expect(diffs.module).toBeLessThan(0.02);
});

test('an export opens to classify images without training; bad files are named and change nothing', async ({ app, page }) => {
  test.skip(Object.keys(exported).length === 0, 'needs the export of the test before');
  await app.open();
  await app.setUpClasses({ fruit: 2 });
  const model = JSON.parse(new TextDecoder().decode(exported['model.json']));
  const metadata = JSON.parse(new TextDecoder().decode(exported['metadata.json']));
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const withLayer = structuredClone(model);
  withLayer.modelTopology.model_config.config.layers[3].class_name = 'FancyConv2D';
  const shard = model.weightsManifest[0].paths[1];
  const zip = (files: Record<string, Uint8Array>) => Buffer.from(zipSync(files));
  const bad: [string, Buffer, RegExp][] = [
    ['photo.zip', readFileSync(heldOut[0]), /photo\.zip is not a zip file/],
    ['no-shard.zip', zip(Object.fromEntries(Object.entries(exported).filter(([k]) => k !== shard))), new RegExp(`weight file ${shard} named in model\\.json is missing`)],
    ['bad-json.zip', zip({ ...exported, 'model.json': new TextEncoder().encode('{"modelTopology":') }), /model\.json is not valid JSON/],
    ['unknown-layer.zip', zip({ ...exported, 'model.json': json(withLayer) }), /layer TF\.js does not know.*FancyConv2D/],
    ['small-input.zip', zip({ ...exported, 'metadata.json': json({ ...metadata, imageSize: 96 }) }), /not an RGB image of 96×96/],
    ['labels.zip', zip({ ...exported, 'metadata.json': json({ ...metadata, labels: ['a', 'b'] }) }), /2 labels but the model has 3 outputs/],
  ];
  for (const [name, buffer, message] of bad) {
    await page.getByTestId('open-model-input').setInputFiles({ name, mimeType: 'application/zip', buffer });
    await expect(page.getByTestId('notice').filter({ hasText: name })).toContainText(message);
  }
  await expect(page.getByTestId('opened-model')).toHaveCount(0);
  expect(await app.counts()).toEqual([['fruit', 2]]);

  await page.getByTestId('open-model-input').setInputFiles({ name: 'headstart-model.zip', mimeType: 'application/zip', buffer: zip(exported) });
  await expect(page.getByTestId('opened-model')).toContainText(CLASSES.join(', '));
  for (const i of [0, 3]) {
    await page.getByTestId('opened-model-predict-input').setInputFiles(heldOut[i]);
    const first = page.getByTestId('opened-model-scores').locator('li').first();
    await expect(first.locator('span')).toHaveText(top(ours[i]));
    const percent = Number((await first.textContent())!.match(/([\d.]+)%/)![1]);
    expect(Math.abs(percent / 100 - ours[i][top(ours[i])])).toBeLessThan(0.02);
  }
  // The project is as it was: its class, its images, no trained model (Export model only says why it cannot export this one: export-formats.spec.ts).
  expect(await app.counts()).toEqual([['fruit', 2]]);
  expect(await page.evaluate(() => window.headstart!.state().training.summary)).toBeNull();
});

test('ml5\'s imageClassifier gives Headstart\'s predictions with the export (only with HEADSTART_ML5=path/to/ml5.min.js)', async ({ page }) => {
  test.skip(!ML5, 'set HEADSTART_ML5 to the path of ml5.min.js (npm ml5@1.4.0)');
  test.skip(Object.keys(exported).length === 0, 'needs the export of the first test');
  let photo = heldOut[0];
  await serveElsewhere(page, exported, () => readFileSync(photo));
  let worst = 0;
  for (const [i, file] of heldOut.entries()) {
    photo = file;
    await page.goto(`${ELSEWHERE}/ml5.html`);
    await expect(page.locator('body')).toHaveAttribute('data-result', /label/, { timeout: 120_000 });
    const results = JSON.parse((await page.locator('body').getAttribute('data-result'))!) as { label: string; confidence: number }[];
    const ml5 = Object.fromEntries(results.map((r) => [r.label, r.confidence]));
    expect(top(ml5), `${basename(file)} in ml5`).toBe(top(ours[i]));
    worst = Math.max(worst, maxDiff(ml5, ours[i]));
  }
  console.log(`ml5 vs Headstart, ${heldOut.length} held-out images: max |probability difference| ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(0.02);
});
