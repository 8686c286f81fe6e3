import { expect, images, parseCsp, test, watchCsp, type HeadstartPage } from './app';

const CLASSES = ['fruit', 'vehicle'];

/** The user's whole loop: two classes of real images, train, classify every held-out image. */
async function ingestTrainPredict(app: HeadstartPage): Promise<void> {
  for (const [i, cls] of CLASSES.entries()) {
    await app.addClass(cls);
    await app.addImages(i, images('train', cls), 6);
  }
  await app.train();
  for (const cls of CLASSES) {
    for (const file of images('test', cls)) expect(await app.predict(file), file).toBe(cls);
  }
}

const local = (url: string) => url.startsWith('blob:') || url.startsWith('data:');

test('after the first visit everything works offline: load, add images, train, predict', async ({ app, page }) => {
  await app.open();
  const responses = await app.reloadOffline();
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  // The network really is off: a URL the service worker does not hold cannot be fetched.
  expect(await page.evaluate(() => fetch(`/not-cached-${Date.now()}`).then(() => 'fetched', () => 'failed'))).toBe('failed');

  await ingestTrainPredict(app);
  // On threaded wasm the head trained in the fit worker, whose script came from the cache too.
  const choice = await page.evaluate(() => window.headstart?.state().model.info?.choice);
  if (choice?.backend === 'wasm' && (choice.wasmThreads ?? 1) > 1) expect(await page.evaluate(() => window.headstart?.state().training.summary?.trainedApart)).toBe(true);
  // Page, worker, WASM and model all came out of the service worker's cache.
  const served = responses.filter((r) => !local(r.url()));
  expect(served.map((r) => r.url())).toEqual(expect.arrayContaining([expect.stringMatching(/\/models\/.+\/weights\.bin$/), expect.stringMatching(/\.wasm$/)]));
  expect(served.filter((r) => !r.fromServiceWorker()).map((r) => r.url())).toEqual([]);
});

test('a full session (load, ingest, train, predict, export) sends nothing off the origin and breaks no rule of the Content Security Policy', async ({ app, page, context }) => {
  // The context sees the service worker's own requests (its precaching) as well as the page's and the worker's.
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const csp = await watchCsp(page);
  const navigation = page.waitForResponse((r) => r.request().isNavigationRequest());
  await app.open();

  // The policy: in the page as a <meta> (any static host) and as a header from the server (covers the worker).
  const meta = parseCsp((await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '');
  expect(meta['default-src']).toEqual(["'self'"]);
  expect(meta['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  // blob: for TF.js's wasm pthread workers only (docs/offline-privacy.md); their script comes from 'self'.
  expect(meta['worker-src']).toEqual(["'self'", 'blob:']);
  expect(meta['connect-src']).toEqual(["'self'"]);
  expect(meta['img-src']).toEqual(["'self'", 'blob:', 'data:']);
  expect(meta['style-src']).toEqual(["'self'"]);
  expect(meta['object-src']).toEqual(["'none'"]);
  // default-src covers the manifest; WebKit logs manifest-src as an unrecognised directive (issue 19).
  expect(meta['manifest-src']).toBeUndefined();
  const header = parseCsp((await navigation).headers()['content-security-policy'] ?? '');
  expect(header).toEqual({ ...meta, 'frame-ancestors': ["'none'"] });

  await expect(app.offlineReady()).toBeVisible({ timeout: 120_000 });
  await ingestTrainPredict(app);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-dataset').click()]);
  expect(download.suggestedFilename()).toBe('headstart-dataset.zip');

  const origin = new URL(page.url()).origin;
  expect(requests).toEqual(expect.arrayContaining([`${origin}/sw.js`, expect.stringMatching(/\/models\/.+\/model\.json$/), expect.stringMatching(/\.wasm$/)]));
  expect(requests.filter((u) => !u.startsWith(`${origin}/`) && !local(u))).toEqual([]);
  expect(await csp.all()).toEqual([]);
});

test('the policy is enforced in the page and in the worker, and the watcher sees it (control)', async ({ app, page }) => {
  const csp = await watchCsp(page);
  await app.open();
  const worker = page.workers().find((w) => w.url().includes('headstart.worker'));
  expect(worker).toBeDefined();
  // Evaluated from a timer: DevTools' own evaluation is exempt from the eval check.
  const tryEval = () =>
    new Promise<string>((resolve) =>
      setTimeout(() => {
        try {
          resolve(String((0, eval)('1 + 1')));
        } catch (e) {
          resolve((e as Error).name);
        }
      }),
    );
  expect(await page.evaluate(tryEval)).toBe('EvalError');
  expect(await worker!.evaluate(tryEval)).toBe('EvalError');
  await page.evaluate(() => document.head.append(Object.assign(document.createElement('style'), { textContent: 'body { color: red }' })));
  await expect
    .poll(async () => (await csp.all()).map((v) => (typeof v === 'string' ? 'message' : `${v.where} ${v.directive}`)).sort())
    .toEqual(expect.arrayContaining(['message', 'page script-src', 'page style-src-elem', 'worker script-src']));
});

test('installable: manifest, 192/512 and maskable icons, standalone; the service worker controls the page after reload', async ({ app, page, context }) => {
  await app.open();
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBeTruthy();
  const manifestUrl = new URL(href!, page.url()).href;
  const manifest = await (await page.request.get(manifestUrl)).json();
  expect(manifest).toMatchObject({ name: 'Headstart', short_name: 'Headstart', display: 'standalone', theme_color: '#2f6fed', start_url: '.', scope: '.' });
  expect(manifest.description).toBeTruthy();
  const icons = manifest.icons as { src: string; sizes: string; type: string; purpose?: string }[];
  expect(icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  expect(icons.some((i) => i.purpose?.split(' ').includes('maskable'))).toBe(true);
  for (const icon of icons) {
    // Each icon is a PNG of the size it claims (width and height from the IHDR chunk).
    const body = await (await page.request.get(new URL(icon.src, manifestUrl).href)).body();
    expect(body.subarray(1, 4).toString('latin1'), icon.src).toBe('PNG');
    expect(`${body.readUInt32BE(16)}x${body.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
  }

  await expect(app.offlineReady()).toBeVisible({ timeout: 120_000 });
  await app.reload();
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/sw\.js$/);
  await expect(app.offlineReady()).toBeVisible();

  // Chromium's own verdict. Playwright's contexts are incognito, which alone keeps the install prompt away.
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  expect(installabilityErrors.filter((e) => e.errorId !== 'in-incognito')).toEqual([]);
  const { errors } = await cdp.send('Page.getAppManifest');
  expect(errors).toEqual([]);
});
