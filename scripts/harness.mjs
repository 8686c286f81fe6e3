// Serves the production build and opens it in headless Chromium, for `npm run eval` and `npm run bench`.
import { chromium } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { build, preview } from 'vite';
import { launchOptions } from './browser.mjs';

/** URL prefix under which the page may fetch files of `filesRoot` (served by Playwright, never the network). */
export const FILES_PREFIX = '/__files/';

/**
 * Builds the app, serves it on a free localhost port, opens it with `?backend=` and waits until
 * the backbone is ready; runs `fn(page)`, then closes everything.
 */
/** Where the runners build and serve the app: HEADSTART_DIST, else dist/ (so parallel runs can keep apart). */
const OUT_DIR = process.env.HEADSTART_DIST ?? 'dist';

/** Builds the app as the runners need it: with the test handle (window.headstart) they drive it through. */
export async function buildTestApp() {
  process.env.VITE_HEADSTART_TEST_API = '1';
  await build({ logLevel: 'error', build: { outDir: OUT_DIR, emptyOutDir: true } });
}

export async function withApp({ backend = 'auto', backbone = null, threads = null, filesRoot = null, skipBuild = false, beforeLoad = null, extraArgs = [], log = () => {} }, fn) {
  if (!skipBuild) {
    log('building the app…');
    await buildTestApp();
  }
  const { url, close } = await serveBuild();
  const options = launchOptions({ webgpu: backend === 'webgpu' || backend === 'auto' });
  const browser = await chromium.launch({ ...options, args: [...options.args, ...extraArgs] });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    if (filesRoot) {
      await page.route(`**${FILES_PREFIX}**`, async (route) => {
        const rel = decodeURIComponent(new URL(route.request().url()).pathname.slice(FILES_PREFIX.length));
        const path = normalize(join(filesRoot, rel));
        if (!path.startsWith(normalize(filesRoot) + sep)) return route.fulfill({ status: 403 });
        try {
          await route.fulfill({ status: 200, body: await readFile(path), contentType: mimeOf(path) });
        } catch {
          await route.fulfill({ status: 404 });
        }
      });
    }
    if (beforeLoad) await beforeLoad(page);
    const query = new URLSearchParams();
    if (backend !== 'auto') query.set('backend', backend);
    if (backbone) query.set('backbone', backbone);
    if (threads) query.set('threads', String(threads));
    await page.goto(`${url}?${query}`);
    // The test handle exists once the app's module has run; until then the model counts as loading.
    await page.waitForFunction(() => window.headstart !== undefined && window.headstart.state().model.status !== 'loading', null, { timeout: 600_000, polling: 250 });
    const model = await page.evaluate(() => window.headstart.state().model);
    if (model.status !== 'ready') throw new Error(`the model did not load: ${model.error}`);
    log(`backend ${model.info.choice.backend}: ${model.info.choice.reason}`);
    return await fn(page, model.info);
  } finally {
    await browser.close();
    await close();
  }
}

/** Serves the built app (vite preview: its isolation and CSP headers) on a free localhost port. */
export async function serveBuild() {
  const server = await preview({ preview: { port: 0, strictPort: false }, build: { outDir: OUT_DIR }, logLevel: 'error' });
  return { url: server.resolvedUrls.local[0], close: () => new Promise((resolve) => server.httpServer.close(resolve)) };
}

export function mimeOf(path) {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' }[ext] ?? 'application/octet-stream';
}

/** Minimal `--flag value` / `--flag` parser. */
export function parseArgs(argv, booleans = []) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const key = arg.slice(2);
    if (booleans.includes(key)) out[key] = true;
    else if (i + 1 < argv.length) out[key] = argv[++i];
    else throw new Error(`--${key} needs a value`);
  }
  return out;
}
