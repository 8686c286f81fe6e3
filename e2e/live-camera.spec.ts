import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { launchOptions } from '../scripts/browser.mjs';
import { expect, images, test } from './app';

const PICTURE = images('test', 'vehicle')[0];
const SIDE = 224;

/**
 * A Y4M video (Chromium's fake camera plays it in a loop) of one picture: the PNG composited on white,
 * scaled to SIDE px by nearest neighbour, in BT.601 limited-range 4:2:0, as Chromium's decoder reads it.
 */
function pictureAsY4m(png: string): string {
  const image = PNG.sync.read(readFileSync(png));
  const rgb = (x: number, y: number): [number, number, number] => {
    const i = (Math.floor((y * image.height) / SIDE) * image.width + Math.floor((x * image.width) / SIDE)) * 4;
    const a = image.data[i + 3] / 255;
    return [0, 1, 2].map((c) => ((image.data[i + c] / 255) * a + (1 - a))) as [number, number, number];
  };
  const half = SIDE / 2;
  const Y = Buffer.alloc(SIDE * SIDE);
  const U = Buffer.alloc(half * half);
  const V = Buffer.alloc(half * half);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      const [r, g, b] = rgb(x, y);
      Y[y * SIDE + x] = Math.round(16 + 65.481 * r + 128.553 * g + 24.966 * b);
      if (x % 2 === 0 && y % 2 === 0) {
        U[(y / 2) * half + x / 2] = Math.round(128 - 37.797 * r - 74.203 * g + 112 * b);
        V[(y / 2) * half + x / 2] = Math.round(128 + 112 * r - 93.786 * g - 18.214 * b);
      }
    }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), Y, U, V]);
  const file = join(mkdtempSync(join(tmpdir(), 'headstart-camera-')), 'picture.y4m');
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${SIDE} H${SIDE} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
  return file;
}

const base = launchOptions({ fakeCamera: true });
test.use({ launchOptions: { ...base, args: [...base.args, `--use-file-for-fake-video-capture=${pictureAsY4m(PICTURE)}`] } });

// The live camera sends the frame's pixels to the worker (no JPEG on the way): pointed at a picture,
// it names what Preview names for the picture's file, with about the same confidence.
test('the live camera, pointed at a picture, names what Preview names for its file', async ({ app, page }) => {
  await app.open();
  await app.setUpClasses({ fruit: 3, vehicle: 3 });
  await app.train();
  expect(await app.predict(PICTURE)).toBe('vehicle');
  const preview = await page.evaluate(() => window.headstart!.state().prediction.scores[0].probability);

  await page.getByTestId('live-start').click();
  await expect(page.getByTestId('live-fps')).toContainText(/frames\/s/, { timeout: 60_000 });
  await expect(page.getByTestId('score-bars').locator('li span').first()).toHaveText('vehicle');
  const live = await page.evaluate(() => window.headstart!.state().prediction.scores[0].probability);
  expect(Math.abs(live - preview)).toBeLessThan(0.1);
  await page.getByTestId('live-stop').click();

  // Exactly: the picture drawn as a frame is drawn here (canvas, centre square, the model's size), its
  // pixels sent as a frame, against the file sent to Preview: the same answer in log-odds, which unlike
  // saturated probabilities moves with a change of the input (the frame's red and blue swapped moved it
  // by 0.26 here; the live camera's by 4.7).
  const bytes = readFileSync(PICTURE).toString('base64');
  const { file, frame, wrongSize } = await page.evaluate(async (bytes) => {
    const blob = new Blob([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))], { type: 'image/png' });
    const bitmap = await createImageBitmap(blob);
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 224;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, 224, 224);
    const worker = window.headstart!.worker();
    const top = (scores: { probability: number }[]) => scores[0].probability;
    const fileP = top(await worker.predict(blob));
    const frameP = top(await worker.predict({ rgba: ctx.getImageData(0, 0, 224, 224).data, size: 224 }));
    const wrongSize = await worker.predict({ rgba: new Uint8ClampedArray(100 * 100 * 4), size: 100 }).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    return { file: fileP, frame: frameP, wrongSize };
  }, bytes);
  const logOdds = (p: number) => Math.log(p / (1 - p));
  expect(Math.abs(logOdds(frame) - logOdds(file))).toBeLessThan(0.01);
  expect(wrongSize).toContain('the camera frame is 100 px square where the model takes 224 px');
});
