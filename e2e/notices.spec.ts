import { expect, images, test } from './app';

// Issue 11: "Add images to at least two classes before training." stayed on screen after images were
// added, after training and after predicting. A notice now goes once its cause is gone, and any can be dismissed.

test('the "add images to two classes" notice goes once two classes have images; nothing lingers after training and predicting', async ({ app, page }) => {
  await app.open();
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await expect(page.getByTestId('train-reason')).toContainText('two classes');
  // What pressing Train on an empty project did before the button was disabled (a keyboard shortcut or script still can).
  await page.evaluate(() => window.headstart?.commands.train());
  const notice = page.getByTestId('notice').filter({ hasText: 'at least two classes' });
  await expect(notice).toHaveCount(1);

  await app.addClass('fruit');
  await app.addImages(0, images('train', 'fruit', 3), 3);
  // One class with images: the cause is still there, and so is the notice.
  await expect(notice).toHaveCount(1);
  await app.addClass('face');
  await app.addImages(1, images('train', 'face', 3), 3);
  await expect(notice).toHaveCount(0);
  await expect(page.getByTestId('train-reason')).toHaveCount(0);

  await app.train();
  expect(await app.predict(images('test', 'fruit')[0])).toBe('fruit');
  await expect(page.getByTestId('notice')).toHaveCount(0);
});

test('a notice can be dismissed', async ({ app, page }) => {
  await app.open();
  await app.addClass('fruit');
  await app.addClass('face');
  await page.getByTestId('class-card').nth(1).getByTestId('class-name').fill('Fruit');
  await page.getByTestId('class-card').nth(1).getByTestId('class-name').press('Enter');
  const notice = page.getByTestId('notice').filter({ hasText: 'already a class named "Fruit"' });
  await expect(notice).toHaveCount(1);
  await notice.getByRole('button', { name: 'Dismiss message' }).click();
  await expect(page.getByTestId('notice')).toHaveCount(0);
});
