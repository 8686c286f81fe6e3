import { defineConfig } from 'vitest/config';

/**
 * The cross-engine suite (`npm run test:engines`): e2e/engines/*.e2e.ts drive the production test build
 * in Firefox ESR and WebKitGTK, one engine after the other, each step building on the one before.
 */
export default defineConfig({
  test: {
    include: ['e2e/engines/*.e2e.ts'],
    globalSetup: ['e2e/engines/server.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
