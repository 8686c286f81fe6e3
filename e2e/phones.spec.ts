import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchOptions } from '../scripts/browser.mjs';
import { expect, test, watchCsp, type HeadstartPage } from './app';

/** A real HEIC (x265) made from the sample set's owl photo by Debian's heif-enc (e2e/fixtures/README.md). */
const OWL_HEIC = join(import.meta.dirname, 'fixtures', 'heic', 'owl.heic');
const SAMPLES = join(import.meta.dirname, '..', 'public', 'samples', 'tuxpaint-photos');

/** The embeddings the app's own path (decode worker → backbone) gives these files, as seen. */
async function embeddings(page: Page, files: { name: string; type: string; path: string }[]): Promise<number[][]> {
  const payload = files.map((f) => ({ name: f.name, type: f.type, bytes: [...readFileSync(f.path)] }));
  return page.evaluate(async (list) => {
    const blobs = list.map((f) => new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    const { dim, plain } = await window.headstart!.worker().embedImages(blobs);
    return list.map((_, i) => [...plain.subarray(i * dim, (i + 1) * dim)]);
  }, payload);
}

// Three cameras, as a laptop with two webcams or a phone's lenses: Chromium's fake capture offers
// fake_device_0…N-1 with device-count=N (a launch option, so for this whole file).
const chromium = launchOptions({ fakeCamera: true });
test.use({ launchOptions: { ...chromium, args: chromium.args.map((a) => (a === '--use-fake-device-for-media-stream' ? `${a}=device-count=3` : a)) } });

const cosine = (a: number[], b: number[]) => {
  const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
};

test('an iPhone HEIC photo is decoded (libheif in WebAssembly), offline and under the CSP: added with its thumbnail, embedded like the photo it was made from', async ({ app, page }) => {
  const csp = await watchCsp(page);
  await app.open();
  // Chromium cannot decode HEIC itself: everything below goes through the app's WebAssembly decoder,
  // here with the network cut, so its wasm must come from the service worker's precache.
  await app.reloadOffline();
  await app.addClass('bird');
  await app.addImages(0, [OWL_HEIC], 1);
  await expect(page.getByTestId('notice')).toHaveCount(0);
  const thumbnail = app.card(0).getByTestId('thumbnails').locator('img').first();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);

  const [jpeg, heic, otherBird] = await embeddings(page, [
    { name: 'owl.jpg', type: 'image/jpeg', path: join(SAMPLES, 'bird', 'owl.jpg') },
    { name: 'owl.heic', type: 'image/heic', path: OWL_HEIC },
    { name: 'duck.jpg', type: 'image/jpeg', path: join(SAMPLES, 'bird', 'duck.jpg') },
  ]);
  const same = cosine(jpeg, heic);
  const other = cosine(jpeg, otherBird);
  console.log(`owl.jpg vs owl.heic cosine ${same.toFixed(4)}; owl.jpg vs duck.jpg ${other.toFixed(4)}`);
  expect(same).toBeGreaterThan(0.97);
  expect(same).toBeGreaterThan(other + 0.1);
  expect(await csp.all()).toEqual([]);
});

/** Records each getUserMedia call's constraints (the real call still runs). */
async function recordCameraRequests(page: Page): Promise<() => Promise<MediaStreamConstraints[]>> {
  await page.addInitScript(() => {
    const calls: MediaStreamConstraints[] = [];
    Reflect.set(window, '__cameraRequests', calls);
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) => {
      calls.push(JSON.parse(JSON.stringify(constraints ?? {})) as MediaStreamConstraints);
      return real(constraints);
    };
  });
  return () => page.evaluate(() => Reflect.get(window, '__cameraRequests') as MediaStreamConstraints[]);
}

/** The device id of the camera a <video> is showing. */
const showing = (page: Page, testId: string) =>
  page.getByTestId(testId).locator('video').evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.getSettings().deviceId ?? null);

/** Every <video> plays inline and muted (iOS shows it full screen, or not at all without a tap, otherwise). */
async function expectInlineMutedVideos(page: Page, count: number): Promise<void> {
  const videos = await page.locator('video').evaluateAll((list: HTMLVideoElement[]) => list.map((v) => [v.hasAttribute('playsinline'), v.hasAttribute('muted'), v.muted]));
  expect(videos).toEqual(Array.from({ length: count }, () => [true, true, true]));
}

async function openWebcam(app: HeadstartPage, page: Page): Promise<void> {
  await app.card(0).getByTestId('webcam-open').click();
  await expect.poll(() => page.getByTestId('webcam').locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 30_000 }).toBeGreaterThan(0);
}

test.describe('with three cameras', () => {
  test('the camera chosen is the one opened, for recording and for the live preview, and it is remembered after a reload', async ({ app, page }) => {
    const requests = await recordCameraRequests(page);
    await app.open();
    await app.setUpClasses({ fruit: 2, face: 2 });
    await openWebcam(app, page);
    expect((await requests()).map((c) => c.video)).toEqual([expect.objectContaining({ facingMode: 'user' })]);
    const select = page.getByTestId('webcam').getByTestId('camera-select');
    await expect(select.locator('option')).toHaveText(['fake_device_0', 'fake_device_1', 'fake_device_2']);
    const third = await select.locator('option').nth(2).getAttribute('value');
    expect(third).toBeTruthy();
    await select.selectOption({ label: 'fake_device_2' });
    await expect.poll(async () => (await requests()).at(-1)?.video).toMatchObject({ deviceId: { exact: third } });
    await expect.poll(() => showing(page, 'webcam')).toBe(third);
    await expect(select).toHaveValue(third!);
    await expectInlineMutedVideos(page, 1);

    await app.reload();
    await openWebcam(app, page);
    expect((await requests()).map((c) => c.video)).toEqual([expect.objectContaining({ deviceId: { exact: third } })]);
    await expect(page.getByTestId('webcam').getByTestId('camera-select')).toHaveValue(third!);
    expect(await showing(page, 'webcam')).toBe(third);

    // The live preview opens the same camera, and a choice made there holds there too.
    await app.train();
    await page.getByTestId('live-start').click();
    await expect(page.getByTestId('live-fps')).toContainText(/frames\/s/, { timeout: 60_000 });
    await expect.poll(() => showing(page, 'live-preview')).toBe(third);
    await expectInlineMutedVideos(page, 2);
    const liveSelect = page.getByTestId('live-preview').getByTestId('camera-select');
    await liveSelect.selectOption({ label: 'fake_device_0' });
    const first = await liveSelect.locator('option').nth(0).getAttribute('value');
    await expect.poll(() => showing(page, 'live-preview')).toBe(first);
    expect(await page.evaluate(() => localStorage.getItem('headstart.camera'))).toBe(JSON.stringify({ deviceId: first }));
  });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('hold to record works by touch: a long press records on until the finger lifts, and cannot open a context menu or select text', async ({ app, page }) => {
    await app.open();
    await app.addClass('me');
    await app.card(0).getByTestId('webcam-open').tap();
    await expect.poll(() => page.getByTestId('webcam').locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 30_000 }).toBeGreaterThan(0);
    const record = app.card(0).getByTestId('hold-to-record');
    await record.scrollIntoViewIfNeeded();
    const box = (await record.boundingBox())!;
    const touch = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    const frames = async () => Number((await app.card(0).getByTestId('webcam-count').textContent())?.split(' ')[0]);
    const cdp = await page.context().newCDPSession(page);
    // One finger held for 4 s, through Chromium's touch input (pointer events of type touch, no mouse):
    // it still records well past the long-press delay (about 0.5 s).
    const held = cdp.send('Input.synthesizeTapGesture', { ...touch, duration: 4000, tapCount: 1, gestureSourceType: 'touch' });
    await page.waitForTimeout(1200);
    const afterLongPress = await frames();
    await expect.poll(frames, { timeout: 2000, intervals: [100] }).toBeGreaterThan(afterLongPress + 2);
    await held;
    const captured = await frames();
    expect(captured).toBeGreaterThanOrEqual(4);
    await expect(app.card(0).getByTestId('sample-count')).toHaveText(String(captured), { timeout: 60_000 });
    // On a phone a long press also opens the context menu (Android) or the callout and text selection
    // (iOS), and scrolling may take the touch: each cancels it. Headless Chromium's synthesized long
    // press fires none of them (checked), so what prevents them is checked directly.
    expect(await record.evaluate((b) => !b.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true })))).toBe(true);
    expect(await record.evaluate((b) => [getComputedStyle(b).touchAction, getComputedStyle(b).userSelect])).toEqual(['none', 'none']);
  });
});
