import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PNG } from 'pngjs';
import { expectNoAxeViolations } from './a11y';
import { expect, images, stored, test } from './app';

/** A face filed under fruit, a fruit under vehicle, a vehicle under face: the deliberately wrong labels. */
const WRONG = { face: images('test', 'vehicle', 1), fruit: images('test', 'face', 1), vehicle: images('test', 'fruit', 1) };
const WRONG_NAMES = Object.values(WRONG).flat().map((f) => basename(f));

/** grin.png with one pixel changed: another file (another hash), the same picture. */
function nearCopy(path: string): { name: string; mimeType: string; buffer: Buffer } {
  const png = PNG.sync.read(readFileSync(path));
  const i = (32 * png.width + 32) * 4;
  png.data[i] = (png.data[i] + 40) % 256;
  return { name: 'grin-copy.png', mimeType: 'image/png', buffer: PNG.sync.write(png) };
}

const rowNames = (list: import('@playwright/test').Locator) => list.locator(':scope > li > img').evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).alt));

test('Check labels lists the wrong labels first and the same picture twice; Move, Delete and Keep work and last after a reload', async ({ app, page }) => {
  await app.open();
  const face = images('train', 'face');
  await app.addClass('face');
  await app.addImages(0, [...face, ...WRONG.face], 7);
  await app.addImages(0, [nearCopy(face.find((f) => f.endsWith('grin.png'))!)], 8);
  await app.addClass('fruit');
  await app.addImages(1, [...images('train', 'fruit'), ...WRONG.fruit], 7);
  await app.addClass('vehicle');
  await app.addImages(2, [...images('train', 'vehicle'), ...WRONG.vehicle], 7);

  const check = page.getByTestId('label-check');
  await check.locator('summary').click();
  await check.getByTestId('check-labels').click();
  await expect(check.getByTestId('label-check-summary')).toBeVisible({ timeout: 180_000 });
  const suspects = check.getByTestId('suspect-list');
  const listed = await rowNames(suspects);
  console.log(`check labels: ${await check.getByTestId('label-check-summary').textContent()} ${listed.join(', ')}`);
  expect(listed.slice(0, WRONG_NAMES.length).sort()).toEqual([...WRONG_NAMES].sort());
  const pair = check.getByTestId('duplicate-list').locator('li').filter({ hasText: 'Twice in face: grin.png and grin-copy.png' });
  await expect(pair).toHaveCount(1);
  await expectNoAxeViolations(page, 'Check labels listing');

  // Move the face out of fruit, keep the fruit filed as a vehicle where it is, delete the vehicle filed as a face.
  const row = (name: string) => suspects.locator(':scope > li').filter({ has: page.getByAltText(name, { exact: true }) });
  const [moved, kept, deleted] = [WRONG.fruit, WRONG.vehicle, WRONG.face].map((f) => basename(f[0]));
  await row(moved).getByRole('button', { name: 'Move to face' }).click();
  await expect(row(moved)).toHaveCount(0);
  await row(kept).getByRole('button', { name: `Keep ${kept} in vehicle` }).click();
  await expect(row(kept)).toHaveCount(0);
  await row(deleted).getByRole('button', { name: `Delete ${deleted}` }).click();
  await expect(row(deleted)).toHaveCount(0);
  await pair.getByRole('button', { name: 'Keep both grin.png and grin-copy.png' }).click();
  await expect(pair).toHaveCount(0);
  const after = [
    ['face', 8],
    ['fruit', 6],
    ['vehicle', 7],
  ];
  await expect.poll(() => app.counts()).toEqual(after);

  // After a reload: the move and the deletion are saved, and so is what was kept.
  await app.reload();
  await expect.poll(() => app.counts()).toEqual(after);
  const saved = await stored(page);
  expect(saved.samples.filter((s) => s.className === 'face')).toHaveLength(8);
  const keptIds = await page.evaluate((name) => {
    const s = window.headstart!.state();
    const byName = (name: string) => Object.values(s.samples).find((x) => x.name === name)?.id;
    return { label: s.kept.labels[byName(name) ?? ''] !== undefined, pairs: s.kept.pairs.length };
  }, kept);
  expect(keptIds).toEqual({ label: true, pairs: 1 });
  await check.locator('summary').click();
  await check.getByTestId('check-labels').click();
  await expect(check.getByTestId('label-check-summary')).toBeVisible({ timeout: 180_000 });
  const again = await rowNames(check.getByTestId('suspect-list')).catch(() => []);
  console.log(`after the fixes: ${await check.getByTestId('label-check-summary').textContent()} ${again.join(', ')}`);
  for (const name of [moved, kept, deleted]) expect(again).not.toContain(name);
  await expect(pair).toHaveCount(0);
});

test('heat maps: on the Preview (any class, same answer as without), on the live camera, on a measured image; off, none is made', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 4, face: 4 });
  await app.train();
  const toggle = page.getByTestId('heat-map-toggle');
  await toggle.check();
  const apple = images('test', 'fruit')[0];
  expect(await app.predict(apple)).toBe('fruit');
  const preview = page.getByTestId('preview-heat-map');
  await expect(preview.getByTestId('heat-map-canvas')).toBeVisible();
  await expect(preview.getByTestId('heat-map-text')).toHaveText(/^For fruit, the model looked (mostly at|all over) /);
  await preview.getByTestId('heat-map-class').selectOption({ label: 'face' });
  await expect(preview.getByTestId('heat-map-text')).toContainText('face');
  await expectNoAxeViolations(page, 'a prediction with its heat map');

  // The heat map's prediction is the plain prediction's, number for number.
  const bytes = [...readFileSync(apple)];
  const [plain, explained, ms] = await page.evaluate(async (b) => {
    const file = new File([new Uint8Array(b)], 'apple.png', { type: 'image/png' });
    const worker = window.headstart!.worker();
    // Informative only (logged, never asserted): what the heat map adds to a prediction here.
    const median = async (f: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await f();
        times.push(performance.now() - started);
      }
      return times.sort((x, y) => x - y)[2];
    };
    const ms = { plain: await median(() => worker.predict(file)), heatMap: await median(() => worker.predictWithHeatMap(file)) };
    return [await worker.predict(file), (await worker.predictWithHeatMap(file)).scores, ms] as const;
  }, bytes);
  console.log(`prediction ${ms.plain.toFixed(0)} ms, with its heat maps ${ms.heatMap.toFixed(0)} ms (median of 5, ${await app.backend().textContent()})`);
  expect(explained).toEqual(plain);

  await toggle.uncheck();
  await app.predict(images('test', 'face')[0]);
  await expect(preview).toHaveCount(0);
  await expect(page.locator('img.preview')).toBeVisible();

  // The camera: the map sits on the video's centre square while heat maps are on.
  await toggle.check();
  await page.getByTestId('live-start').click();
  const camera = page.getByTestId('camera-heat-map');
  await expect(camera.getByTestId('heat-map-canvas')).toBeVisible({ timeout: 60_000 });
  const [video, overlay] = await Promise.all([page.locator('.webcam video').boundingBox(), camera.getByTestId('heat-map-canvas').boundingBox()]);
  expect(overlay!.width).toBeCloseTo(overlay!.height, 0);
  expect(overlay!.height).toBeCloseTo(video!.height, 0);
  expect(overlay!.x + overlay!.width / 2).toBeCloseTo(video!.x + video!.width / 2, 0);
  await expect(camera.getByTestId('heat-map-text')).toContainText('the model looked');
  await toggle.uncheck();
  await expect(camera).toHaveCount(0);
  await page.getByTestId('live-stop').click();

  // A measured image (the confusion matrix's cell, the mistakes view's rows): where the model looked in it.
  await page.getByTestId('metrics').locator('td.diag button').first().click();
  const cell = page.getByTestId('cell-image-list');
  await cell.getByRole('button', { name: /^Where it looked in / }).first().click();
  await expect(cell.getByTestId('sample-heat-map').getByTestId('heat-map-text')).toHaveText(/the model looked|Nothing in the picture/);
  await expectNoAxeViolations(page, 'a measured image with its heat map');
});
