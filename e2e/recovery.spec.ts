import { expect, images, test } from './app';

test('when the worker dies mid-training the app says so, restarts it, restores the project and trains again', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 3, face: 3 });
  await app.startTraining(400);

  await page.evaluate(() => window.headstart?.crashWorker());
  await expect(page.getByTestId('notice').filter({ hasText: 'stopped unexpectedly during training' })).toContainText('simulated crash');
  await expect(page.getByTestId('model-status')).toContainText(/ready/i, { timeout: 180_000 });
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('3');
  await expect(app.card(1).getByTestId('sample-count')).toHaveText('3');
  // The new worker took every embedding from IndexedDB: nothing was recomputed.
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: 6, embeddingsComputed: 0 });

  await app.setEpochs(20);
  await app.train();
  expect(await app.predict(images('test', 'face')[0])).toBe('face');
});

test('a reload in the middle of training loses nothing that was saved', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 3, vehicle: 3 });
  await app.startTraining(400);
  await app.reload();
  expect(await app.counts()).toEqual([['fruit', 3], ['vehicle', 3]]);
  await page.locator('.settings summary').click();
  await expect(page.getByLabel('Epochs', { exact: true })).toHaveValue('400');
  expect((await app.memory())?.embeddingsComputed).toBe(0);
});

test('a worker that keeps dying is restarted a few times, then the app stops and says so', async ({ app, page }) => {
  await app.open();
  await app.addClass('fruit');
  await app.addImages(0, images('train', 'fruit', 2), 2);
  for (let crash = 1; crash <= 4; crash++) {
    await page.evaluate(() => window.headstart?.crashWorker());
    if (crash < 4) await expect(page.getByTestId('model-status')).toContainText(/ready/i, { timeout: 180_000 });
  }
  await expect(page.getByTestId('notice').filter({ hasText: 'stopped restarting' })).toContainText('reload the page');
  // It gave up: no fifth worker is started.
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('model-status')).not.toContainText(/ready|loading/i);
  // The project is safe: a reload brings it back.
  await app.reload();
  expect(await app.counts()).toEqual([['fruit', 2]]);
});
