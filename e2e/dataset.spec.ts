import { unzipSync, zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect, FIXTURES, images, test, type HeadstartPage } from './app';
import { solidPng } from './images';

/** [class name, image count] of every class, sorted by name. */
const counts = (app: HeadstartPage) => app.counts().then((c) => c?.sort());

test('importing a folder tree makes a class per folder', async ({ app, page }) => {
  await app.open();
  // Chromium gives each file its path relative to the picked folder (webkitdirectory).
  await page.getByTestId('folder-input').setInputFiles(join(FIXTURES, 'train'));
  await expect.poll(() => counts(app), { timeout: 120_000 }).toEqual([
    ['face', 6],
    ['fruit', 6],
    ['vehicle', 6],
  ]);
});

test('a zip of class folders is imported; unsafe paths are refused and named', async ({ app, page }) => {
  await app.open();
  const zip = zipSync({
    'cats/apple.png': readFileSync(images('train', 'fruit')[0]),
    'cats/pear.png': readFileSync(images('train', 'fruit')[1]),
    'dogs/car.png': readFileSync(images('train', 'vehicle')[0]),
    '../escape/taxi.png': readFileSync(images('train', 'vehicle')[1]),
    'dogs/readme.txt': new TextEncoder().encode('not an image'),
  });
  await page.getByTestId('zip-input').setInputFiles({ name: 'pets.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
  await expect.poll(() => counts(app), { timeout: 120_000 }).toEqual([
    ['cats', 2],
    ['dogs', 1],
  ]);
  await expect(page.getByTestId('notice').filter({ hasText: '../escape/taxi.png' })).toContainText('outside the zip');
  await expect(page.getByTestId('notice').filter({ hasText: 'readme.txt' })).toContainText('not an image');
});

test('export then import gives back the same classes and byte-identical files', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 3, face: 2 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-dataset').click()]);
  const zipPath = await download.path();
  const entries = unzipSync(new Uint8Array(readFileSync(zipPath)));
  const expected = [...images('train', 'fruit', 3).map((f) => ['fruit', f]), ...images('train', 'face', 2).map((f) => ['face', f])];
  expect(Object.keys(entries).filter((k) => !k.endsWith('/')).sort()).toEqual(expected.map(([c, f]) => `${c}/${basename(f)}`).sort());
  for (const [c, f] of expected) expect(Buffer.from(entries[`${c}/${basename(f)}`])).toEqual(readFileSync(f));

  await app.deleteAll();
  await expect(page.getByTestId('class-card')).toHaveCount(0);
  await page.getByTestId('zip-input').setInputFiles(zipPath);
  await expect.poll(() => counts(app), { timeout: 120_000 }).toEqual([
    ['face', 2],
    ['fruit', 3],
  ]);
});

test('a large drop appears and is saved batch by batch while the rest is still being embedded', async ({ app, page }) => {
  await app.open();
  await app.addClass('greys');
  // Record the class's image count, and how many are saved, while the ingest is running.
  await page.evaluate(() => {
    const seen: number[] = [];
    Reflect.set(window, '__seen', seen);
    const timer = setInterval(() => {
      const s = window.headstart?.state();
      if (s?.ingest) seen.push(s.classes[0].sampleIds.length);
    }, 10);
    Reflect.set(window, '__stop', () => clearInterval(timer));
  });
  const files = Array.from({ length: 40 }, (_, i) => ({ name: `grey-${i}.png`, mimeType: 'image/png', buffer: solidPng(24, 24, 40 + i * 4) }));
  await app.addImages(0, files, 40);
  const seen = await page.evaluate(() => {
    (Reflect.get(window, '__stop') as () => void)();
    return Reflect.get(window, '__seen') as number[];
  });
  expect(seen.some((count) => count > 0 && count < 40)).toBe(true);
  await app.reload();
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('40');
});
