import { readFileSync } from 'node:fs';
import { regionShares } from '../app/ui/heatMapText';
import { expect, images, test } from './app';

const CLASSES = ['fruit', 'vehicle', 'face'];

// The same user flow on the real WebGPU backend (SwiftShader on a machine without a GPU:
// seconds per image, so very few images). The backend is forced, so nothing remembered is needed.
test.use({ freshProfile: true });
test('trains and predicts on the webgpu backend', async ({ app, page }) => {
  await app.open('?backend=webgpu');
  await expect(app.backend()).toHaveText('webgpu');
  await expect(page.locator('.backend-reason')).toContainText('forced by ?backend=webgpu');
  for (const [i, cls] of CLASSES.entries()) {
    await app.addClass(cls);
    await app.addImages(i, images('train', cls, 2), 2);
  }
  await app.setEpochs(30);
  await app.train(300_000);
  expect(await app.predict(images('test', 'vehicle')[0])).toBe('vehicle');
  expect(await app.predict(images('test', 'face')[0])).toBe('face');

  // The heat map on webgpu: a face pasted into the top right quadrant of a white picture puts most of
  // the face's heat there (app/ml/heatMap.test.ts checks every quadrant on wasm).
  const face = readFileSync(images('test', 'face')[0]);
  const { map, size, scores } = await page.evaluate(async (bytes) => {
    const picture = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(224, 224);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 224, 224);
    ctx.drawImage(picture, 112, 0, 112, 112);
    const hs = window.headstart!;
    const faceId = hs.state().classes.find((c) => c.name === 'face')!.id;
    const { heatMap, scores } = await hs.worker().predictWithHeatMap(await canvas.convertToBlob({ type: 'image/png' }));
    return { map: heatMap.maps[heatMap.classIds.indexOf(faceId)], size: heatMap.size, scores: scores.length };
  }, [...face]);
  expect(scores).toBe(3);
  const shares = regionShares(map, size, 2);
  console.log(`webgpu heat map, face in the top right: ${shares.map((x) => x.toFixed(2)).join(' ')}`);
  expect(shares[1]).toBeGreaterThanOrEqual(0.6);
});

