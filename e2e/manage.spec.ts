import { readFileSync } from 'node:fs';
import { expect, images, test } from './app';

test('images move between classes, deletes can be undone without re-embedding, classes reorder', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 3, face: 2 });

  await app.card(0).locator('.thumb').first().click();
  await expect(page.getByTestId('selection-bar')).toContainText('1 selected');
  await page.getByTestId('move-to').selectOption({ label: 'face' });
  await expect.poll(() => app.counts()).toEqual([['fruit', 2], ['face', 3]]);

  const computed = (await app.memory())?.embeddingsComputed;
  await app.card(1).getByTestId('delete-class').click();
  await expect.poll(() => app.counts()).toEqual([['fruit', 2]]);
  await page.getByTestId('undo').click();
  await expect.poll(() => app.counts()).toEqual([['fruit', 2], ['face', 3]]);
  expect((await app.memory())?.embeddingsComputed).toBe(computed);

  await page.getByRole('button', { name: 'Move face up' }).click();
  await expect.poll(() => app.counts()).toEqual([['face', 3], ['fruit', 2]]);
  await app.reload();
  await expect.poll(() => app.counts()).toEqual([['face', 3], ['fruit', 2]]);
});

test('an image pasted from the clipboard goes into the class last clicked', async ({ app, page }) => {
  await app.open();
  await app.addClass('fruit');
  await app.addClass('face');
  await app.card(1).locator('.count').click();
  const bytes = [...readFileSync(images('train', 'face')[0])];
  await page.evaluate((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], 'clipboard.png', { type: 'image/png' }));
    window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer }));
  }, bytes);
  await expect(app.card(1).getByTestId('sample-count')).toHaveText('1');
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('0');
});

test('holding the record button captures webcam frames into the class', async ({ app, page }) => {
  await app.open();
  await app.addClass('me');
  await app.card(0).getByTestId('webcam-open').click();
  await expect.poll(() => page.locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 30_000 }).toBeGreaterThan(0);
  const record = app.card(0).getByTestId('hold-to-record');
  await record.hover();
  await page.mouse.down();
  await expect.poll(async () => Number((await app.card(0).getByTestId('webcam-count').textContent())?.split(' ')[0]), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
  await page.mouse.up();
  const captured = Number((await app.card(0).getByTestId('webcam-count').textContent())?.split(' ')[0]);
  await expect(app.card(0).getByTestId('sample-count')).toHaveText(String(captured), { timeout: 60_000 });
});
