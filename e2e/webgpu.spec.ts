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
});
