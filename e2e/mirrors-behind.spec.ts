import { expect, images, test } from './app';

// Images are embedded, shown and saved as seen; each one's mirror is computed behind (app/worker/mirrors.ts).

test('Train pressed right after adding images first finishes their mirrors, then trains with them; a reload computes nothing', async ({ app, page }) => {
  await app.open();
  await app.addClass('fruit');
  await app.addClass('face');
  await app.setEpochs(20);
  // Both drops and Train back to back: the worker is never idle long enough to compute a mirror behind.
  await app.card(0).getByTestId('sample-input').setInputFiles(images('train', 'fruit', 5));
  await app.card(1).getByTestId('sample-input').setInputFiles(images('train', 'face', 5));
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toContainText(/trained/i, { timeout: 180_000 });
  expect(await app.counts()).toEqual([['fruit', 5], ['face', 5]]);

  // The status said it was finishing the mirrors, up to every one still owed.
  const mirrorsPhase = await page.evaluate(() => window.headstart?.state().training.history.filter((h) => h.phase === 'mirrors').map((h) => [h.epoch, h.epochs]));
  expect(mirrorsPhase?.length).toBeGreaterThan(0);
  const [done, owed] = mirrorsPhase?.at(-1) ?? [];
  expect(done).toBe(owed);
  expect(owed).toBeGreaterThan(0);
  // Every image and every mirror computed exactly once, and the head predicts from both (test-time flip).
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: 10, embeddingsComputed: 10, mirrorsComputed: 10, mirrorsOwed: 0 });
  expect(await page.evaluate(() => window.headstart?.state().training.summary?.testTimeFlip)).toBe(true);
  expect(await app.predict(images('test', 'face')[0])).toBe('face');

  await app.reload();
  await expect(page.getByTestId('train-status')).toContainText('trained');
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: 10, embeddingsComputed: 0, mirrorsComputed: 0, mirrorsOwed: 0 });
});

test('mirrors are computed behind once the app is idle and saved; a reload before they are done loses nothing', async ({ app, page }) => {
  await app.open();
  await app.addClass('vehicle');
  // Reloaded as soon as the images show: their mirrors may not be computed yet.
  await app.addImages(0, images('train', 'vehicle', 6), 6);
  await app.reload();
  expect(await app.counts()).toEqual([['vehicle', 6]]);
  // The images come back from storage as seen; the mirrors still owed are computed behind, each once.
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: 6, embeddingsComputed: 0 });
  await expect.poll(async () => (await app.memory())?.mirrorsOwed, { timeout: 60_000 }).toBe(0);
  const computed = (await app.memory())?.mirrorsComputed;
  expect(computed).toBeLessThanOrEqual(6);
  // Under the hood follows them with no click: nothing still to compute once they are done.
  await page.getByTestId('under-the-hood').locator('summary').click();
  const cache = page.getByTestId('embedding-cache');
  await expect(cache).toContainText(`6 images`);
  await expect(cache).toContainText(`mirrored: ${computed} computed so far`);
  await expect(cache).not.toContainText('still to compute');

  // Once computed behind they are saved: the next reload computes nothing.
  await app.reload();
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: 6, embeddingsComputed: 0, mirrorsComputed: 0, mirrorsOwed: 0 });
});

test('Stop while Train finishes the mirrors trains nothing: the model trained before is kept and still predicts', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 3, face: 3 });
  await app.setEpochs(20);
  await app.train();
  const before = await page.evaluate(() => window.headstart?.state().training.summary?.trainMs);
  expect(await app.predict(images('test', 'face')[0])).toBe('face');

  // Stop as soon as the page hears that the mirrors are being finished (the user pressing Stop then). Three
  // mirrors are one batch, so the Stop lands as it ends (a Stop between batches: app/worker/stopping.test.ts).
  const stopped = page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const look = () => {
          const last = window.headstart?.state().training.history.at(-1);
          if (last?.phase !== 'mirrors') return void setTimeout(look, 0);
          window.headstart?.commands.stopTraining();
          resolve(`${last.epoch} of ${last.epochs}`);
        };
        look();
      }),
  );
  // Three more images and Train back to back: their mirrors are still owed when training starts.
  await app.card(0).getByTestId('sample-input').setInputFiles(images('train', 'fruit').slice(3));
  await page.getByTestId('train-button').click();
  expect(await stopped).toBe('0 of 3');

  await expect(page.getByTestId('notice').filter({ hasText: 'Stopped before training began' })).toContainText('the model trained before is kept');
  await expect(page.getByTestId('train-status')).toHaveText('Model trained (images changed since: train again)');
  expect(await page.evaluate(() => window.headstart?.state().training.summary?.trainMs)).toBe(before);
  expect(await app.counts()).toEqual([['fruit', 6], ['face', 3]]);
  expect(await app.predict(images('test', 'face')[0])).toBe('face');
  // Training again goes on from the mirrors owed and trains on all nine images.
  await app.train();
  expect(await page.evaluate(() => window.headstart?.state().training.summary?.trainMs)).not.toBe(before);
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: 9, mirrorsOwed: 0 });
});

test('a class deleted while Train finishes the mirrors cancels the training without claiming a Stop', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 2, face: 2, vehicle: 2 });
  await app.setEpochs(10);
  await app.train();
  const deleted = page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const look = () => {
          if (window.headstart?.state().training.history.at(-1)?.phase !== 'mirrors') return void setTimeout(look, 0);
          const vehicle = window.headstart?.state().classes.find((c) => c.name === 'vehicle');
          if (vehicle) void window.headstart?.commands.deleteClass(vehicle.id);
          resolve();
        };
        look();
      }),
  );
  await app.card(0).getByTestId('sample-input').setInputFiles(images('train', 'fruit').slice(2, 4));
  await page.getByTestId('train-button').click();
  await deleted;
  await expect.poll(() => app.counts()).toEqual([['fruit', 4], ['face', 2]]);
  await page.evaluate(() => window.headstart?.settled());
  await expect(page.getByTestId('train-status')).toHaveText('Model trained (images changed since: train again)');
  await expect(page.getByTestId('notice').filter({ hasText: 'Stopped before training began' })).toHaveCount(0);
});
