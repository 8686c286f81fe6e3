import { defineConfig, devices } from '@playwright/test';
import { launchOptions } from './scripts/browser.mjs';

const PORT = Number(process.env.HEADSTART_PORT ?? 4173);
const OUT_DIR = `dist-test/${PORT}`;

export default defineConfig({
  testDir: 'e2e',
  timeout: 240_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: 'on-first-retry',
    ...devices['Desktop Chrome'],
  },
  projects: [
    {
      name: 'auto',
      testIgnore: /webgpu\.spec\.ts/,
      use: { launchOptions: launchOptions({ fakeCamera: true }) },
    },
    {
      name: 'webgpu',
      testMatch: /webgpu\.spec\.ts/,
      timeout: 600_000,
      use: { launchOptions: launchOptions({ webgpu: true }) },
    },
  ],
  webServer: {
    // A test build (window.headstart) in its own folder per port, so parallel runs never share files.
    command: `VITE_HEADSTART_TEST_API=1 npx vite build --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
