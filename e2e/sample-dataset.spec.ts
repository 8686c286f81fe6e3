import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type HeadstartPage } from './app';

/** The bundled sample set, as the app reads it (public/samples/, made by scripts/make-sample-dataset.mjs). */
const SAMPLE = join(import.meta.dirname, '..', 'public', 'samples', 'tuxpaint-photos');
const manifest = JSON.parse(readFileSync(join(SAMPLE, 'manifest.json'), 'utf8')) as { classes: string[]; files: { class: string; file: string }[] };
const expectedCounts = manifest.classes.map((c) => [c, manifest.files.filter((f) => f.class === c).length]);

/** Waits for the sample's classes and counts; a notice (the load failed) shows in the failure instead. */
async function sampleLoaded(app: HeadstartPage, page: Page): Promise<void> {
  const state = async () => {
    const notices = await page.getByTestId('notice').allTextContents();
    return notices.length > 0 ? notices : await app.counts();
  };
  await expect.poll(state, { timeout: 120_000 }).toEqual(expectedCounts);
}

test('the sample set is 3–4 classes of 10–15 photos each, small', () => {
  expect(manifest.classes.length).toBeGreaterThanOrEqual(3);
  expect(manifest.classes.length).toBeLessThanOrEqual(4);
  for (const [, n] of expectedCounts) expect(n).toBeGreaterThanOrEqual(10);
  for (const [, n] of expectedCounts) expect(n).toBeLessThanOrEqual(15);
});

test('"Try a sample dataset" on the empty page: its classes fill, Train, and the preview names a sample photo’s class', async ({ app, page }) => {
  await app.open();
  await expect(page.getByTestId('sample-credit')).toContainText('Tux Paint');
  await page.getByTestId('sample-dataset').click();
  await sampleLoaded(app, page);
  await expect(page.getByTestId('class-card').getByTestId('sample-count')).toHaveText(expectedCounts.map(([, n]) => String(n)));
  await expect(page.getByTestId('notice')).toHaveCount(0);
  // The button left with the empty page; the focus went on to the next step.
  await expect(page.getByTestId('train-button')).toBeFocused();

  await app.train();
  const photo = manifest.files.find((f) => f.class === manifest.classes[0]) as { class: string; file: string };
  expect(await app.predict(join(SAMPLE, photo.file))).toBe(photo.class);

  // Later, from the dataset bar: it asks before adding to a project with classes, and adds nothing twice.
  const questions: string[] = [];
  page.once('dialog', (d) => (questions.push(d.message()), void d.dismiss()));
  await page.getByTestId('sample-dataset').click();
  await expect.poll(() => questions.length).toBe(1);
  expect(questions[0]).toContain('Add the sample photos to this project?');
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('sample-dataset').click();
  await expect(page.getByTestId('notice')).toHaveText(/The sample photos are already in this project/);
  expect(await app.counts()).toEqual(expectedCounts);
});

test('the sample set works offline: the service worker holds its manifest and photos', async ({ app, page }) => {
  await app.open();
  const responses = await app.reloadOffline();
  await page.getByTestId('sample-dataset').click();
  await sampleLoaded(app, page);
  const samples = responses.filter((r) => r.url().includes('/samples/'));
  expect(samples).toHaveLength(manifest.files.length + 1);
  expect(samples.filter((r) => !r.fromServiceWorker()).map((r) => r.url())).toEqual([]);
});
