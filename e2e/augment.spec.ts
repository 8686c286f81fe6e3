import { expect, images, test } from './app';

test('augmented views: 2 per image are computed once, trained on, and read back after a reload without recomputing', async ({ app, page }) => {
  test.setTimeout(400_000);
  await app.open();
  await app.setUpClasses({ fruit: 3, vehicle: 3 });
  await app.setEpochs(20);
  await page.getByTestId('setting-augmentViews').fill('2');
  await page.getByTestId('setting-augmentFlip').uncheck();
  await app.train();
  const summary = await page.evaluate(() => window.headstart?.state().training.summary);
  expect(summary?.augmented).toMatchObject({ views: 2, kinds: ['crop', 'rotate', 'colour'], images: 6, computed: 12, loaded: 0, bytes: 6 * 2 * 1792 * 4 });
  expect(await app.memory()).toMatchObject({ viewsComputed: 12, augmentedViews: 12, augmentedBytes: 6 * 2 * 1792 * 4 });
  await page.getByTestId('under-the-hood').locator('summary').click();
  await expect(page.getByTestId('augmented-views')).toContainText('2 per image (crop, rotate, colour) for 6 images: 12 embeddings');
  expect(await app.predict(images('test', 'fruit')[0])).toBe('fruit');

  // Training again in the same session uses the views in the worker's memory.
  await app.train();
  expect(await page.evaluate(() => window.headstart?.state().training.summary?.augmented)).toMatchObject({ computed: 0, loaded: 0 });

  // After a reload, every view comes back from the browser storage: none is recomputed.
  await app.reload();
  await expect(page.getByTestId('setting-augmentViews')).toHaveValue('2');
  await app.train();
  expect(await page.evaluate(() => window.headstart?.state().training.summary?.augmented)).toMatchObject({ views: 2, images: 6, computed: 0, loaded: 12 });
  expect(await app.memory()).toMatchObject({ embeddingsComputed: 0, viewsComputed: 0, augmentedViews: 12 });
  expect(await app.predict(images('test', 'vehicle')[0])).toBe('vehicle');
});
