import { expect, images, test } from './app';

// The production bundle runs TF.js's threaded wasm build on a cross-origin isolated page
// (app/worker/wasmThreads.ts, vite.config.ts's wasmThreadsLoader): by default one thread fewer than the
// cores (none on 2 cores), ?threads=N for N, ?threads=1 forces the single-threaded build.
test('?threads=N runs the threaded build: its thread count, and an image embedded and predicted with it', async ({ app, page }) => {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  test.skip(cores < 2, 'one core: the threaded build is not used');
  const threads = Math.min(cores, 8);
  await app.open(`?backend=wasm&threads=${threads}`);
  await expect(app.backend()).toHaveText('wasm');
  const reason = page.locator('.backend-reason');
  await expect(reason).toContainText(`forced by ?backend=wasm; wasm, ${threads} threads`);
  // The pthread workers really ran: a class's images are embedded and a prediction answers with them.
  await app.addClass('fruit');
  await app.addImages(0, images('train', 'fruit').slice(0, 3), 3);
  await app.addClass('vehicle');
  await app.addImages(1, images('train', 'vehicle').slice(0, 3), 3);
  await app.train();
  expect(await app.predict(images('test', 'vehicle')[0])).toBe('vehicle');
});

test('by default a core is kept free for the page: single-threaded on 2 cores, saying so', async ({ app, page }) => {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await app.open('?backend=wasm');
  await expect(app.backend()).toHaveText('wasm');
  const expected = cores <= 1 ? 'wasm, 1 thread: 1 CPU core' : cores === 2 ? 'wasm, 1 thread: 2 CPU cores, 1 kept free for the page (?threads=2 uses all)' : `wasm, ${Math.min(cores - 1, 8)} threads`;
  await expect(page.locator('.backend-reason')).toContainText(expected);
});

test('?threads=1 forces the single-threaded build and says so', async ({ app, page }) => {
  await app.open('?backend=wasm&threads=1');
  await expect(app.backend()).toHaveText('wasm');
  await expect(page.locator('.backend-reason')).toContainText('wasm, 1 thread: forced by ?threads=1');
});
