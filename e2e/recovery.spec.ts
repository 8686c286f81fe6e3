import { expect, images, test } from './app';

test('when the worker dies mid-training the app says so, restarts it, restores the project and trains again', async ({ app, page }) => {
  await app.open();
  await app.addClass('fruit');
  await app.addImages(0, images('train', 'fruit', 3), 3);
  await app.addClass('face');
  await app.addImages(1, images('train', 'face', 3), 3);
  await page.locator('.settings summary').click();
  await page.getByLabel('Epochs').fill('400');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toContainText(/epoch \d+ of 400/);

  await page.evaluate(() => window.headstart?.crashWorker());
  await expect(page.getByTestId('notice').filter({ hasText: 'stopped unexpectedly during training' })).toContainText('simulated crash');
  await expect(page.getByTestId('model-status')).toContainText(/ready/i, { timeout: 180_000 });
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('3');
  await expect(app.card(1).getByTestId('sample-count')).toHaveText('3');
  // The new worker took every embedding from IndexedDB: nothing was recomputed.
  const memory = await page.evaluate(() => window.headstart?.worker().memory());
  expect(memory).toMatchObject({ cachedEmbeddings: 6, embeddingsComputed: 0 });

  await page.getByLabel('Epochs').fill('20');
  await app.train();
  expect(await app.predict(images('test', 'face')[0])).toBe('face');
});
