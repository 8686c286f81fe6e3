import { expect, test } from './app';

const number = (text: string | null) => Number((text ?? '').replace(/[^0-9.]/g, ''));

test('Under the hood lists every layer, frozen or training, and what the optimizer holds against every variable', async ({ app, page }) => {
  await app.open();
  const hood = page.getByTestId('under-the-hood');
  await hood.locator('summary').click();
  const table = page.getByTestId('layer-table');
  // Before training: the backbone's parts, all frozen, and a head still to come.
  const backbone = table.locator('tr[data-part="backbone"]');
  await expect(backbone).toHaveCount(19);
  await expect(backbone.first().locator('th')).toHaveText('Conv');
  await expect(backbone.last().locator('th')).toHaveText('Conv_1');
  for (const cell of await backbone.locator('td:last-child').allTextContents()) expect(cell).toBe('frozen');
  const frozenSum = (await backbone.locator('td:nth-child(2)').allTextContents()).reduce((n, t) => n + number(t), 0);
  // The parts hold every frozen weight but the input's two scaling constants.
  expect(frozenSum).toBe(number(await page.getByTestId('frozen-params').textContent()) - 2);

  await app.setUpClasses({ fruit: 3, vehicle: 3 });
  await app.train();
  const head = table.locator('tr[data-part="head"]');
  await expect(head).toHaveCount(2);
  for (const cell of await head.locator('td:last-child').allTextContents()) expect(cell).toBe('trains');
  const trainable = number(await page.getByTestId('trainable-params').textContent());
  // Dense(1792 → 100) and Dense(100 → 2): the rows add up to the trainable count.
  expect(trainable).toBe(1792 * 100 + 100 + 100 * 2 + 2);
  expect((await head.locator('td:nth-child(2)').allTextContents()).reduce((n, t) => n + number(t), 0)).toBe(trainable);
  // Adam holds two float32 moments per parameter it is handed: the head's, against every one.
  const mb = (id: string) => page.getByTestId(id).textContent().then((t) => Number(/([\d.]+) MB/.exec(t ?? '')?.[1]));
  expect(await mb('optimizer')).toBeCloseTo((8 * trainable) / 2 ** 20, 1);
  expect(await mb('optimizer-if-all')).toBeCloseTo((8 * (trainable + frozenSum + 2)) / 2 ** 20, 1);
});
