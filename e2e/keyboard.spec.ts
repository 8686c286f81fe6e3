import type { Locator, Page } from '@playwright/test';
import { expect, images, test } from './app';

/** Presses Tab until `target` (or something inside it) has the focus. */
async function tabTo(page: Page, target: Locator, limit = 80): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el.contains(document.activeElement)).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

/** The focused control, or the file button around a focused file input, draws a focus ring. */
function focusRing(page: Page) {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    const el = active?.closest('label.file-button') ?? active;
    if (!el || el === document.body) return 'nothing focused';
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    return ring ? 'ring' : `no ring on ${el.tagName.toLowerCase()} "${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30)}"`;
  });
}

/** Chooses files through the focused file input's picker, opened from the keyboard. */
async function pickWithKeyboard(page: Page, files: string[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser', { timeout: 10_000 });
  // (also a round trip that lets the chooser interception settle before the key is pressed)
  await expect(page.locator(':focus')).toHaveAttribute('type', 'file');
  await page.keyboard.press('Space');
  await (await chooser).setFiles(files);
}

test('keyboard only: create classes, add images through the picker, train, predict; every stop shows its focus', async ({ app, page }) => {
  await app.open();
  for (const [i, name] of ['fruit', 'face'].entries()) {
    await tabTo(page, page.getByTestId('add-class'));
    expect(await focusRing(page)).toBe('ring');
    await page.keyboard.press('Enter');
    // The new class's name field has the focus, its default name selected: typing replaces it.
    await expect(app.card(i).getByTestId('class-name')).toBeFocused();
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
    await expect(app.card(i).getByTestId('class-name')).toHaveValue(name);
    await tabTo(page, app.card(i).getByTestId('sample-input'));
    expect(await focusRing(page)).toBe('ring');
    await pickWithKeyboard(page, images('train', name, 4));
    await expect(app.card(i).getByTestId('sample-count')).toHaveText('4');
  }

  // A class's images are one tab stop; the arrow keys move inside.
  const thumbs = app.card(0).locator('.thumb');
  await expect(thumbs).toHaveCount(4);
  await expect(app.card(0).locator('.thumb[tabindex="0"]')).toHaveCount(1);
  await tabTo(page, thumbs.first());
  expect(await focusRing(page)).toBe('ring');
  await page.keyboard.press('ArrowRight');
  await expect(thumbs.nth(1)).toBeFocused();
  await page.keyboard.press('End');
  await expect(thumbs.nth(3)).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(thumbs.nth(3)).not.toBeFocused();
  expect(await app.card(0).evaluate((card) => card.contains(document.activeElement))).toBe(false);

  await tabTo(page, page.getByTestId('train-button'));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('train-status')).toContainText(/trained/i, { timeout: 180_000 });
  await expect(page.getByTestId('announcer')).toContainText('Training finished');
  // The focus stays where it was, on Train, rather than dropping to the page.
  await expect(page.getByTestId('train-button')).toBeFocused();

  await tabTo(page, page.getByTestId('predict-input'));
  expect(await focusRing(page)).toBe('ring');
  await pickWithKeyboard(page, [images('test', 'face')[0]]);
  await expect(page.getByTestId('score-bars').locator('li span').first()).toHaveText('face');
  await expect(page.getByTestId('announcer')).toContainText(/Prediction: (face|Not sure)/);

  // Every control on the trained page, reached by Tab, shows a focus ring.
  await page.locator('body').focus();
  const missing: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const ring = await focusRing(page);
    if (ring !== 'ring' && ring !== 'nothing focused') missing.push(ring);
  }
  expect(missing).toEqual([]);
});
