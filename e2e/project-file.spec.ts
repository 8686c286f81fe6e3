import { readFileSync } from 'node:fs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import type { Page } from '@playwright/test';
import { expect, HeadstartPage, holdImageStore, images, test } from './app';

// Issue 19, item 4: "Download project" / "Open project": one file with the classes, images, settings,
// trained head and embeddings, opened elsewhere without recomputing or retraining; the round trip gives
// the same bytes; anything else is refused by name with the current project unchanged.

async function download(page: Page): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('project-download').click()]);
  expect(file.suggestedFilename()).toBe('headstart-project.zip');
  return readFileSync(await file.path());
}

async function topScore(app: HeadstartPage, file: string) {
  const className = await app.predict(file);
  const probability = await app.page.evaluate(() => window.headstart?.state().prediction.scores[0]?.probability ?? NaN);
  return { className, probability };
}

test('a project file opens in a new browser profile trained, with nothing recomputed, and downloads again byte for byte', async ({ app, page, browser, baseURL, storageState }) => {
  await app.open();
  await page.evaluate(() => window.headstart?.commands.updateSettings({ hiddenUnits: 16, seed: 3 }));
  await app.setUpClasses({ fruit: 3, face: 3 });
  await app.setEpochs(20);
  await app.train();
  const probe = images('test', 'face')[0];
  const before = await topScore(app, probe);
  const first = await download(page);

  // A student's browser: a fresh profile, an empty project (no question asked).
  const context = await browser.newContext({ baseURL, storageState });
  try {
    const student = new HeadstartPage(await context.newPage());
    let asked = 0;
    student.page.on('dialog', (d) => ((asked += 1), void d.accept()));
    await student.open();
    await student.page.getByTestId('project-open').setInputFiles({ name: 'lesson.zip', mimeType: 'application/zip', buffer: first });
    await expect(student.page.getByTestId('notice').filter({ hasText: 'Opened lesson.zip' })).toHaveCount(1);
    expect(asked).toBe(0);
    expect(await student.counts()).toEqual([['fruit', 3], ['face', 3]]);
    await expect(student.page.getByTestId('thumbnails').locator('img')).toHaveCount(6);
    await expect(student.page.getByTestId('train-status')).toContainText('trained');
    expect(await student.memory()).toMatchObject({ cachedEmbeddings: 6, embeddingsComputed: 0 });
    expect(await student.page.evaluate(() => window.headstart?.state().settings)).toMatchObject({ hiddenUnits: 16, seed: 3, epochs: 20 });
    const after = await topScore(student, probe);
    expect(after.className).toBe(before.className);
    expect(Math.abs(after.probability - before.probability)).toBeLessThan(1e-3);
    expect(await student.memory()).toMatchObject({ embeddingsComputed: 0 });

    // After a reload it is this browser's project.
    await student.reload();
    expect(await student.counts()).toEqual([['fruit', 3], ['face', 3]]);
    expect(await student.memory()).toMatchObject({ embeddingsComputed: 0 });
    expect((await download(student.page)).equals(first)).toBe(true);
  } finally {
    await context.close();
  }

  // Opened over a project: asked first; declined, nothing changes; accepted, the same bytes come back.
  await app.addClass('vehicle');
  const dialogs: string[] = [];
  page.once('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
  await page.getByTestId('project-open').setInputFiles({ name: 'lesson.zip', mimeType: 'application/zip', buffer: first });
  await expect.poll(() => dialogs.length).toBe(1);
  expect(dialogs[0]).toContain('replaces the current project');
  expect(await app.counts()).toEqual([['fruit', 3], ['face', 3], ['vehicle', 0]]);
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('project-open').setInputFiles({ name: 'lesson.zip', mimeType: 'application/zip', buffer: first });
  await expect(page.getByTestId('notice').filter({ hasText: 'Opened lesson.zip' })).toHaveCount(1);
  expect(await app.counts()).toEqual([['fruit', 3], ['face', 3]]);
  expect((await download(page)).equals(first)).toBe(true);
});

test('a file from another app, a newer version or with a part missing is refused by name, and the project stays as it was', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 2, face: 2 });
  const good = unzipSync(await download(page));
  const manifest = JSON.parse(new TextDecoder().decode(good['headstart-project.json'])) as { version: number; images: { hash: string }[] };
  const newer = zipSync({ ...good, 'headstart-project.json': strToU8(JSON.stringify({ ...manifest, version: 2 })) });
  const rest = Object.fromEntries(Object.entries(good).filter(([path]) => path !== `images/${manifest.images[0].hash}`));
  const cases: [string, Uint8Array, RegExp][] = [
    ['dataset.zip', zipSync({ 'fruit/apple.png': readFileSync(images('train', 'fruit', 1)[0]) }), /dataset\.zip is not a Headstart project: it has no headstart-project\.json/],
    ['notes.zip', strToU8('not a zip at all'), /notes\.zip is not a Headstart project: it is not a zip file/],
    ['newer.zip', newer, /newer\.zip .*saved by a newer Headstart \(project format 2; this one opens format 1\)/],
    ['broken.zip', zipSync(rest), new RegExp(`broken\\.zip is not a complete Headstart project: images/${manifest.images[0].hash} \\(.+\\) is missing`)],
  ];
  let asked = 0;
  page.on('dialog', (d) => ((asked += 1), void d.accept()));
  for (const [name, bytes, expected] of cases) {
    await page.getByTestId('project-open').setInputFiles({ name, mimeType: 'application/zip', buffer: Buffer.from(bytes) });
    await expect(page.getByTestId('notice').filter({ hasText: name })).toHaveText(expected);
  }
  expect(asked).toBe(0);
  expect(await app.counts()).toEqual([['fruit', 2], ['face', 2]]);
  await app.reload();
  expect(await app.counts()).toEqual([['fruit', 2], ['face', 2]]);
});

// Review, session 8: opening a file did half of what "delete all" does when the project leaves. A delete
// still running as the file was opened offered its Undo in the opened project (pressing it brought the
// old class back into it), and the old preview image's object URL was never revoked.
test('a project opened while a delete is still running has nothing of the old project: no Undo, no old images, no old preview', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 2, face: 2 });
  const lesson = await download(page);
  await app.deleteAll();
  await expect(page.getByTestId('notice').filter({ hasText: 'All data deleted' })).toBeVisible();
  await app.setUpClasses({ vehicle: 2, fruit: 1 });
  await app.setEpochs(5);
  await app.train();
  expect(await app.predict(images('test', 'vehicle')[0])).toBeTruthy();
  await expect(page.locator('img.preview')).toHaveCount(1);
  const oldImage = await page.evaluate(() => window.headstart?.state().prediction.imageUrl);
  expect(oldImage).toMatch(/^blob:/);

  const release = await holdImageStore(page);
  await app.card(0).getByTestId('delete-class').click();
  await expect(page.getByTestId('class-card')).toHaveCount(1);
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('project-open').setInputFiles({ name: 'lesson.zip', mimeType: 'application/zip', buffer: lesson });
  await expect(page.getByTestId('class-card')).toHaveCount(0);
  await release();
  await expect(page.getByTestId('notice').filter({ hasText: 'Opened lesson.zip' })).toHaveCount(1);
  await page.evaluate(() => window.headstart?.settled());
  await expect(page.getByTestId('undo')).toHaveCount(0);
  expect(await app.counts()).toEqual([['fruit', 2], ['face', 2]]);
  await expect(page.locator('img.preview')).toHaveCount(0);
  // The old preview image's object URL is let go (an image element can no longer load it).
  const oldImageLoads = (url: string) =>
    new Promise<string>((resolve) => {
      const img = new Image();
      img.onload = () => resolve('still there');
      img.onerror = () => resolve('revoked');
      img.src = url;
    });
  expect(await page.evaluate(oldImageLoads, oldImage as string)).toBe('revoked');
  await app.reload();
  expect(await app.counts()).toEqual([['fruit', 2], ['face', 2]]);
});
