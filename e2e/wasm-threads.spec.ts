import { expect, images, test } from './app';

// The production bundle runs TF.js's threaded wasm build on a cross-origin isolated page
// (app/worker/wasmThreads.ts, vite.config.ts's wasmThreadsLoader): by default one thread per core (at most
// 8), ?threads=N for N, ?threads=1 forces the single-threaded build.
test('?threads=N runs the threaded build: its thread count, and an image embedded and predicted with it', async ({ app, page }) => {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  test.skip(cores < 2, 'one core: the threaded build is not used');
  const threads = Math.min(cores, 8);
  await app.open(`?backend=wasm&threads=${threads}`);
  await expect(app.backend()).toHaveText('wasm');
  const reason = page.locator('.backend-reason');
  await expect(reason).toContainText(`forced by ?backend=wasm; wasm, ${threads} threads`);
  // The pthread workers really ran: a class's images are embedded and a prediction answers with them.
  await app.setUpClasses({ fruit: 3, vehicle: 3 });
  await app.train();
  expect(await app.predict(images('test', 'vehicle')[0])).toBe('vehicle');
  // The head trained single-threaded in a worker of its own (app/worker/fitElsewhere.ts).
  await page.getByTestId('under-the-hood').locator('summary').click();
  await expect(page.getByTestId('trained-apart')).toHaveText('wasm, 1 thread, in a worker of its own');
});

test('by default one thread per core: threaded on 2 cores, saying so', async ({ app, page }) => {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await app.open('?backend=wasm');
  await expect(app.backend()).toHaveText('wasm');
  const expected = cores <= 1 ? 'wasm, 1 thread: 1 CPU core' : `wasm, ${Math.min(cores, 8)} threads`;
  await expect(page.locator('.backend-reason')).toContainText(expected);
});

test('?threads=1 forces the single-threaded build and says so; the head trains in the same worker', async ({ app, page }) => {
  await app.open('?backend=wasm&threads=1');
  await expect(app.backend()).toHaveText('wasm');
  await expect(page.locator('.backend-reason')).toContainText('wasm, 1 thread: forced by ?threads=1');
  await app.setUpClasses({ fruit: 2, vehicle: 2 });
  await app.train();
  await page.getByTestId('under-the-hood').locator('summary').click();
  await expect(page.getByTestId('trainable-params')).not.toHaveText('train to see');
  await expect(page.getByTestId('trained-apart')).toHaveCount(0);
});

// The threaded build's start can stall for good (Firefox ESR under WebDriver BiDi blocked in `new Worker()`
// for a pthread about one start in three, docs/browsers.md). Here its binary never arrives, a real stall:
// the page ends that worker after 15 s, starts a single-threaded one, and says why.
test('a threaded build that never starts is given up: one thread, the reason shown, remembered for the next visit', async ({ app, page }) => {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  test.skip(cores < 2, 'one core: the threaded build is not used');
  await page.route('**/tfjs-backend-wasm-threaded-simd.wasm', () => {
    // Never answered.
  });
  await app.open('?backend=wasm&threads=2');
  const reason = page.locator('.backend-reason');
  await expect(reason).toContainText('wasm, 1 thread: the threaded build did not start within 15 s in this browser (?threads=N tries again)');
  await app.setUpClasses({ fruit: 2, vehicle: 2 });
  await app.train();
  expect(await app.predict(images('test', 'vehicle')[0])).toBe('vehicle');
  // The next visit goes straight to one thread, without waiting; ?threads=N would try again.
  await page.unrouteAll();
  await app.open('?backend=wasm');
  await expect(reason).toContainText('wasm, 1 thread: the threaded build did not start within 15 s');
});
