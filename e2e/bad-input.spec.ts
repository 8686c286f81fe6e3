import { readFileSync } from 'node:fs';
import { expect, images, test } from './app';
import { animatedGif, solidPng } from './images';

const png = (name: string, buffer: Buffer) => ({ name, mimeType: 'image/png', buffer });

test('every kind of bad file is named with a reason; the good files of the same drop are all added', async ({ app, page }) => {
  await app.open();
  await app.addClass('mixed');
  await app.addImages(0, images('train', 'fruit', 1), 1);
  const apple = readFileSync(images('train', 'fruit')[0]);
  const pear = readFileSync(images('train', 'fruit')[1]);
  const bad: [ReturnType<typeof png>, RegExp][] = [
    [png('notes.png', Buffer.from('just some text')), /not an image file/],
    [{ name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) }, /empty \(0 bytes\)/],
    [png('truncated.png', apple.subarray(0, Math.floor(apple.length * 0.4))), /damaged or unsupported PNG/],
    [{ name: 'corrupt.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]) }, /damaged or unsupported JPEG/],
    [{ name: 'photo.heic', mimeType: 'image/heic', buffer: Buffer.from([0, 0, 0, 24, ...Buffer.from('ftypheic'), 0, 0, 0, 0]) }, /damaged or unsupported HEIC\/HEIF image \(libheif: .*Most Compatible/],
    [png('huge.png', solidPng(12000, 12000)), /too large to decode safely \(12000×12000 px/],
    [{ name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>window.__svgRan = true</script></svg>') }, /SVG images are not supported/],
    [png('apple again.png', apple), /same image as "apple\.png"/],
    [png('<img src=x onerror="window.__xss=1">.png', Buffer.from('not a png')), /not an image file/],
  ];
  const good = [png('tiny 1x1.png', solidPng(1, 1)), { name: 'animated.gif', mimeType: 'image/gif', buffer: animatedGif() }, png('pear.png', pear)];
  await app.card(0).getByTestId('sample-input').setInputFiles([...bad.map(([f]) => f), ...good]);

  await expect(app.card(0).getByTestId('sample-count')).toHaveText('4', { timeout: 120_000 });
  for (const [file, reason] of bad) {
    await expect(page.getByTestId('notice').filter({ hasText: file.name }), file.name).toContainText(reason);
  }
  // Names are shown as text and SVG is never run.
  expect(await page.evaluate(() => [Reflect.get(window, '__xss'), Reflect.get(window, '__svgRan')])).toEqual([undefined, undefined]);
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(await page.evaluate(() => window.headstart?.worker().memory().then((m) => m.cachedEmbeddings))).toBe(4);
});

test('when storage is full, the images are refused with a clear message and the project is unchanged', async ({ app, page }) => {
  // The browser's own IndexedDB reports the quota error (the storage layer, not the UI).
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (Reflect.get(window, '__quotaFull') && this.name === 'samples') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  await app.open();
  await app.addClass('fruit');
  await app.addImages(0, images('train', 'fruit', 2), 2);
  await page.evaluate(() => Reflect.set(window, '__quotaFull', true));
  await app.card(0).getByTestId('sample-input').setInputFiles(images('train', 'fruit').slice(2, 4));
  await expect(page.getByTestId('notice').filter({ hasText: 'storage is full' })).toContainText('2 image(s) were not added');
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('2');
  expect(await page.evaluate(() => window.headstart?.worker().memory().then((m) => m.cachedEmbeddings))).toBe(2);

  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText(/ready/i, { timeout: 180_000 });
  await expect(app.card(0).getByTestId('sample-count')).toHaveText('2');
});
