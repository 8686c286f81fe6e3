import { readFileSync } from 'node:fs';
import { expect, images, test } from './app';

test('a reload restores classes, images and the trained head without recomputing any embedding', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 3, face: 4 });
  await app.train();
  const trainedAccuracy = await page.evaluate(() => window.headstart?.state().training.summary?.metrics.accuracy);

  await app.reload();
  await expect(page.getByTestId('class-name')).toHaveCount(2);
  await expect(app.card(0).getByTestId('class-name')).toHaveValue('fruit');
  await expect(app.card(1).getByTestId('class-name')).toHaveValue('face');
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('3');
  await expect(app.card(1).getByTestId('sample-count')).toHaveText('4');
  await expect(page.getByTestId('train-status')).toContainText('trained');
  expect(await app.memory()).toMatchObject({ cachedEmbeddings: 7, embeddingsComputed: 0 });
  expect(await page.evaluate(() => window.headstart?.state().training.summary?.metrics.accuracy)).toBe(trainedAccuracy);
  // The restored head predicts without retraining.
  expect(await app.predict(images('test', 'face')[0])).toBe('face');

  await app.deleteAll();
  await expect(page.getByTestId('class-card')).toHaveCount(0);
  await app.reload();
  await expect(page.getByTestId('class-card')).toHaveCount(0);
  await expect(page.getByTestId('train-status')).toContainText('Not trained');
});

test('a duplicate image is named and refused, and the other files are added', async ({ app, page }) => {
  await app.open();
  await app.addClass('fruit');
  const [apple, pear] = images('train', 'fruit', 2);
  await app.addImages(0, [apple], 1);
  await app.card(0).getByTestId('sample-input').setInputFiles([
    { name: 'apple copy.png', mimeType: 'image/png', buffer: readFileSync(apple) },
    { name: 'pear.png', mimeType: 'image/png', buffer: readFileSync(pear) },
  ]);
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('2');
  await expect(page.getByTestId('notice').filter({ hasText: 'apple copy.png' })).toContainText('same image as "apple.png"');
});
