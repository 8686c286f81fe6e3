// The production test build the cross-engine suite drives (as playwright.config.ts's webServer makes it:
// VITE_HEADSTART_TEST_API=1, so window.headstart exists), and its `vite preview` server, which a test
// stops to take the network away.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { preview, type PreviewServer } from 'vite';

const ROOT = join(import.meta.dirname, '..', '..');
/** HEADSTART_ENGINES_PORT moves the server (default 4174, beside Playwright's 4173). */
export const PORT = Number(process.env.HEADSTART_ENGINES_PORT ?? 4174);
export const BASE_URL = `http://localhost:${PORT}`;
const OUT_DIR = `dist-test/engines-${PORT}`;

/** vitest globalSetup: builds once, before any engine's file runs (about 6 s here). */
export function setup(): void {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const run = spawnSync(process.execPath, [vite, 'build', '--outDir', OUT_DIR, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    // NODE_ENV=test (vitest's) would make a non-production build (import.meta.env.PROD false: no wasm threads).
    env: { ...process.env, VITE_HEADSTART_TEST_API: '1', NODE_ENV: 'production' },
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`the test build failed (vite build exited with ${run.status})`);
}

/** Serves the build, with the headers vite.config.ts gives the preview (isolation, CSP). */
export function serve(): Promise<PreviewServer> {
  return preview({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: OUT_DIR }, preview: { port: PORT, strictPort: true } });
}
