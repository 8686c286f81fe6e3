import { readFileSync } from 'node:fs';
import { expect, images, test } from './app';

const number = (text: string | null) => Number((text ?? '').replace(/[^0-9.]/g, ''));

test('adapting the last block trains it with the head, predicts through it, and keeps it after a reload', async ({ app, page }) => {
  test.setTimeout(600_000);
  await app.open();
  await app.setUpClasses({ fruit: 3, vehicle: 3 });
  await app.setEpochs(10);
  await page.getByTestId('setting-adaptBlocks').fill('1');
  await page.getByTestId('setting-adaptEpochs').fill('2');
  await page.getByTestId('train-button').click();
  // Progress in plain words while the block adapts.
  await expect(page.getByTestId('train-status')).toContainText('Adapting the last block and the head', { timeout: 240_000 });
  await expect(page.getByTestId('train-status')).toContainText(/trained/i, { timeout: 400_000 });
  const summary = await page.evaluate(() => window.headstart?.state().training.summary);
  expect(summary?.adapted).toMatchObject({ blocks: 1, parts: ['expanded_conv_16', 'Conv_1'], epochsRun: 2 });
  console.log(`fine-tune: ${((summary?.adapted?.ms ?? 0) / 1000).toFixed(1)} s adapting, ${((summary?.trainMs ?? 0) / 1000).toFixed(1)} s in all`);
  // Each image's activations at the cut, as seen and mirrored, computed once and counted in the worker's memory.
  const cutBytes = 6 * 2 * 7 * 7 * 224 * 4;
  expect(await app.memory()).toMatchObject({ cutActivations: 6, cutBytes, cutsComputed: 12 });

  // Under the hood: the adapted block and Conv_1 train, every other backbone part stays frozen.
  await page.getByTestId('under-the-hood').locator('summary').click();
  const table = page.getByTestId('layer-table');
  const trains = table.locator('tr[data-part="backbone"].trains th');
  await expect(trains).toHaveText(['expanded_conv_16', 'Conv_1']);
  await expect(table.locator('tr[data-part="backbone"]:not(.trains) td:last-child').first()).toHaveText('frozen');
  const blockParams = (await table.locator('tr[data-part="backbone"].trains td:nth-child(2)').allTextContents()).reduce((n, t) => n + number(t), 0);
  const headParams = 1792 * 100 + 100 + 100 * 2 + 2;
  // The optimizer was handed the block's, Conv_1's and the head's variables, and nothing else.
  const trainable = number(await page.getByTestId('trainable-params').textContent());
  expect(trainable).toBe(headParams + blockParams);
  expect(summary?.optimizer.bytes).toBe(8 * trainable);
  expect(summary?.optimizer.varList).toHaveLength(2 * 3 + 2 + 4);

  const test1 = images('test', 'fruit')[0];
  expect(await app.predict(test1)).toBe('fruit');
  const scores = async () => (await page.evaluate(() => window.headstart?.state().prediction.scores)) ?? [];
  const before = await scores();

  // The export carries the adapted weights: opened back, it gives the app's answer (to the 0.1% shown;
  // exportModel.test.ts checks it to 1e-4 against the frozen blocks' answer).
  await page.getByTestId('export-model').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-model-download').click()]);
  const zip = readFileSync((await download.path())!);
  await page.keyboard.press('Escape');
  await page.getByTestId('open-model-input').setInputFiles({ name: 'headstart-model.zip', mimeType: 'application/zip', buffer: zip });
  await page.getByTestId('opened-model-predict-input').setInputFiles(test1);
  const first = page.getByTestId('opened-model-scores').locator('li').first();
  await expect(first.locator('span')).toHaveText('fruit');
  const percent = Number((await first.textContent())!.match(/([\d.]+)%/)![1]);
  expect(Math.abs(percent / 100 - before[0].probability)).toBeLessThan(0.002);

  await app.reload();
  await expect(page.getByTestId('train-status')).toContainText('trained');
  expect(await page.evaluate(() => window.headstart?.state().training.summary?.adapted?.blocks)).toBe(1);
  expect(await app.predict(test1)).toBe('fruit');
  // The same numbers as before the reload, compared as logarithms so the small probability counts too:
  // the blocks as they were before adapting gave 4.1e-4 against 4.7e-4 here (restore broken on purpose).
  const after = await scores();
  expect(after.map((s) => s.classId)).toEqual(before.map((s) => s.classId));
  after.forEach((s, i) => expect(Math.log(s.probability)).toBeCloseTo(Math.log(before[i].probability), 3));

  // Training again after the reload reads the activations back from IndexedDB: none is computed.
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toContainText('Adapting the last block and the head', { timeout: 240_000 });
  await expect(page.getByTestId('train-status')).toContainText(/trained/i, { timeout: 400_000 });
  expect(await app.memory()).toMatchObject({ cutActivations: 6, cutBytes, cutsComputed: 0 });
});
