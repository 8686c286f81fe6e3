import { expect, images, test } from './app';
import { expectNoAxeViolations, scrollsSideways, smallTapTargets } from './a11y';

const CLASSES = { fruit: 6, vehicle: 6, face: 6 };

test.describe('on a 1366×900 laptop', () => {
  test.use({ viewport: { width: 1366, height: 900 } });

  test('classes, train and preview side by side; status and prediction in view; no axe violations at any step', async ({ app, page }) => {
    await app.open();
    await expectNoAxeViolations(page, 'empty page');
    await expect(page.getByTestId('train-button')).toBeDisabled();
    await expect(page.getByTestId('train-reason')).toContainText('two classes');

    await app.setUpClasses(CLASSES);
    await expect(page.getByTestId('train-reason')).toHaveCount(0);
    await expectNoAxeViolations(page, 'classes with images');

    // Side by side: the three columns start at the same height, left to right.
    const boxes = await Promise.all(['Classes', 'Train', 'Preview'].map((name) => page.getByRole('region', { name: new RegExp(name) }).boundingBox()));
    expect(boxes.map((b) => Math.round(b?.y ?? -1))).toEqual(Array(3).fill(Math.round(boxes[0]?.y ?? 0)));
    expect((boxes[0]?.x ?? 0) < (boxes[1]?.x ?? 0) && (boxes[1]?.x ?? 0) < (boxes[2]?.x ?? 0)).toBe(true);

    await app.train();
    await expect(page.getByTestId('held-out-accuracy')).toContainText(/\d+ of \d+ right/);
    await expect(page.getByTestId('accuracies')).toContainText('On the training images');
    await expect(page.getByTestId('announcer')).toContainText(/Training finished/);
    // The chart has labelled axes and the last values written out.
    const chart = page.getByTestId('training-chart');
    for (const label of ['epoch', 'accuracy', 'loss', '100%']) await expect(chart.locator('svg')).toContainText(label);
    await expect(chart.locator('figcaption')).toContainText(/Epoch \d+: accuracy \d+%/);

    // The confusion matrix fits its panel.
    const panel = await page.getByRole('region', { name: /Train/ }).boundingBox();
    const table = await page.locator('.confusion').boundingBox();
    expect((table?.x ?? 0) + (table?.width ?? 0)).toBeLessThanOrEqual((panel?.x ?? 0) + (panel?.width ?? 0));

    // A cell of the confusion matrix opens its images; the mistakes view lists the wrong ones.
    const matrix = page.locator('.confusion');
    const fruitRight = Number(await matrix.locator('tbody tr').first().locator('td').first().textContent());
    expect(fruitRight).toBeGreaterThan(0);
    await matrix.getByRole('button', { name: /fruit images? recognised/ }).click();
    await expect(page.getByTestId('cell-image-list').locator('li')).toHaveCount(fruitRight);
    await expect(page.getByTestId('cell-image-list').locator('li').first()).toContainText('fruit: right');
    const summary = await page.evaluate(() => window.headstart?.state().training.summary);
    const wrong = (summary?.measured ?? []).filter((m) => m.truth !== m.predicted).length;
    expect(summary?.measured).toHaveLength(summary?.metrics.count ?? -1);
    await page.getByTestId('mistakes').locator('summary').click();
    await expect(page.getByTestId('mistakes')).toContainText(`(${wrong})`);
    await expect(page.getByTestId('mistake-list').locator('li')).toHaveCount(wrong);
    await expectNoAxeViolations(page, 'trained page, a cell and the mistakes view open');

    // Scrolled to the bottom of the class list, the status and the prediction are still on screen.
    await page.mouse.wheel(0, 3000);
    expect(await app.predict(images('test', 'fruit')[0])).toBe('fruit');
    await expect(page.getByTestId('train-status')).toBeInViewport();
    await expect(page.getByTestId('prediction')).toBeInViewport();
    await expect(page.getByTestId('announcer')).toContainText(/Prediction: (fruit|Not sure)/);

    // The threshold starts where the held-out images put it; above it a class is named, at 95% an unsure answer says so instead.
    await expect(page.locator('.threshold')).toContainText('set from the held-out images');
    await page.getByTestId('threshold').fill('0');
    await expect(page.getByTestId('prediction')).toHaveText('fruit');
    await page.getByTestId('threshold').fill('0.95');
    const top = await page.evaluate(() => window.headstart?.state().prediction.scores[0].probability ?? 0);
    await expect(page.getByTestId('prediction')).toHaveText(top >= 0.95 ? 'fruit' : 'Not sure');
    await expectNoAxeViolations(page, 'trained page with a prediction');
  });

  test('the live camera preview classifies frames continuously and shows its rate', async ({ app, page }) => {
    await app.open();
    await app.setUpClasses({ fruit: 3, face: 3 });
    await app.train();
    await page.getByTestId('live-start').click();
    await expect(page.getByTestId('live-fps')).toContainText(/frames\/s/, { timeout: 60_000 });
    // Several frames in a row were classified: the bars keep changing as the fake camera's pattern moves.
    const seen = new Set<string>();
    await expect
      .poll(async () => {
        seen.add(JSON.stringify(await page.evaluate(() => window.headstart?.state().prediction.scores)));
        return seen.size;
      })
      .toBeGreaterThan(3);
    await expect(page.getByTestId('score-bars').locator('li')).toHaveCount(2);
    console.log(`live preview: ${await page.getByTestId('live-fps').textContent()}`);
    await page.getByTestId('live-stop').click();
    await expect(page.getByTestId('live-preview')).toHaveCount(0);
  });
});

for (const width of [390, 360]) {
  test.describe(`on a ${width} px phone`, () => {
    test.use({ viewport: { width, height: 844 }, hasTouch: true, isMobile: true });

    test('stacked, nothing scrolls sideways, 44 px tap targets, status and prediction stay in view', async ({ app, page }) => {
      await app.open();
      await app.setUpClasses({ fruit: 3, face: 3 });
      expect(await scrollsSideways(page)).toBe(false);
      expect(await smallTapTargets(page)).toEqual([]);
      if (width === 390) await expectNoAxeViolations(page, 'phone, classes with images');

      await app.train();
      await page.getByTestId('predict-input').scrollIntoViewIfNeeded();
      expect(await app.predict(images('test', 'face')[0])).toBe('face');
      await page.evaluate(() => window.scrollTo(0, 0));
      const dock = page.getByTestId('dock');
      await expect(dock).toBeInViewport();
      await expect(dock).toContainText('Model trained');
      await expect(dock).toContainText(/Preview: (face|Not sure)/);
      expect(await scrollsSideways(page)).toBe(false);
      expect(await smallTapTargets(page)).toEqual([]);
      if (width === 390) await expectNoAxeViolations(page, 'phone, trained with a prediction');
    });
  });
}
