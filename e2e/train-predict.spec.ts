import { readFileSync } from 'node:fs';
import { expect, images, test } from './app';

const CLASSES = ['fruit', 'vehicle', 'face'];

// A first visit: nothing remembered, so `auto` measures the backends (every other spec starts with its choice remembered).
test.describe('in a fresh profile', () => {
  test.use({ freshProfile: true });

  test('trains on three classes of real images and classifies held-out images correctly', async ({ app, page }) => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await app.open();
    await expect(app.backend()).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
    await expect(page.locator('.backend-reason')).toContainText(/^auto: .*measured/);
    await expect(page.locator('.backend-reason')).not.toContainText('remembered');

    for (const [i, cls] of CLASSES.entries()) {
      await app.addClass(cls);
      await app.addImages(i, images('train', cls), 6);
    }
    await expect(page.getByTestId('class-card').locator('img')).toHaveCount(18);

    await app.train();
    await expect(page.getByTestId('metrics')).toContainText('Confusion matrix');

    for (const cls of CLASSES) {
      for (const file of images('test', cls)) {
        expect(await app.predict(file), file).toBe(cls);
      }
    }
    // Each image went through the backbone exactly once: 18 training images + 6 predictions.
    const memory = await page.evaluate(() => window.headstart?.worker().memory());
    expect(memory?.cachedEmbeddings).toBe(18);
    // Nothing left the machine: every request went to the app's own origin.
    const origin = new URL(page.url()).origin;
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
  });
});

test('a file that is not an image is named in a message and the good files are still added', async ({ app, page }) => {
  await app.open();
  await app.addClass('fruit');
  await app.addImages(0, images('train', 'fruit', 2));
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('2');
  await app.card(0).getByTestId('sample-input').setInputFiles([
    { name: 'notes<b>.png', mimeType: 'image/png', buffer: Buffer.from('this is not a png') },
    { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
    { name: 'lemon.png', mimeType: 'image/png', buffer: readFileSync(images('train', 'fruit')[2]) },
  ]);
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('3');
  const notices = page.getByTestId('notice');
  await expect(notices.filter({ hasText: 'notes<b>.png' })).toContainText('not an image');
  await expect(notices.filter({ hasText: 'empty.jpg' })).toContainText('empty');
});

test('class names must be unique and not empty', async ({ app, page }) => {
  await app.open();
  await app.addClass('cats');
  await page.getByTestId('add-class').click();
  const second = app.card(1).getByTestId('class-name');
  await second.fill('Cats');
  await second.press('Enter');
  await expect(page.getByTestId('notice')).toContainText('already a class named "Cats"');
  await expect(second).toHaveValue('Class 2');
  await second.fill('  ');
  await second.press('Enter');
  await expect(second).toHaveValue('Class 2');
});

test('Stop ends a long training within a batch and keeps a usable model', async ({ app, page }) => {
  await app.open();
  for (const [i, cls] of CLASSES.slice(0, 2).entries()) {
    await app.addClass(cls);
    await app.addImages(i, images('train', cls, 3), 3);
  }
  await app.startTraining(500);
  await page.getByTestId('stop-button').click();
  await expect(page.getByTestId('train-status')).toContainText(/Stopped after \d+ epochs/);
  const epochs = await page.evaluate(() => window.headstart?.state().training.summary?.epochsRun ?? 0);
  expect(epochs).toBeLessThan(500);
  expect(await app.predict(images('test', 'fruit')[0])).toBe('fruit');
});
