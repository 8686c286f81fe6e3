// One small interface over the two drivers, so the flow (flow.ts) is written once: Firefox ESR through
// puppeteer-core over WebDriver BiDi, and WebKitGTK's MiniBrowser through WebKitWebDriver with
// selenium-webdriver, under xvfb-run. Both save downloads as real files in a folder of their own.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { Builder, By, Key } from 'selenium-webdriver';
import { firefoxExecutable, miniBrowserExecutable, onPath, webkitDriverExecutable } from '../../scripts/test-tools.mjs';

/** The desktop layout (three columns side by side), where nothing sits over the buttons the flow presses. */
const WINDOW = { width: 1366, height: 900 };

export interface Engine {
  readonly name: string;
  /** The folder the browser saves downloads in. */
  readonly downloads: string;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Runs `fn` in the page (awaiting a promise it returns) and gives back its JSON-able result. */
  run<T, A extends unknown[]>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<T>;
  /** Clicks the `index`-th element matching `selector`, as a user would (scrolled into view, on its centre). */
  click(selector: string, index?: number): Promise<void>;
  /** Replaces the text of the `index`-th input matching `selector` by typing, then presses Enter. */
  type(selector: string, index: number, text: string): Promise<void>;
  /** Picks `files` (absolute paths) in the `index`-th file input matching `selector`. */
  upload(selector: string, index: number, files: string[]): Promise<void>;
  /** Errors the page reported that nobody handled (uncaught errors, unhandled rejections). */
  errors(): Promise<string[]>;
  close(): Promise<void>;
}

/** In the page after each load: records uncaught errors and unhandled rejections from then on. */
function listenForErrors(): void {
  if (Reflect.has(window, '__engineErrors')) return;
  const seen: string[] = [];
  Reflect.set(window, '__engineErrors', seen);
  window.addEventListener('error', (e) => seen.push(`uncaught: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) => seen.push(`unhandled rejection: ${e.reason instanceof Error ? e.reason.message : String(e.reason)}`));
}
/**
 * Selects an input's text, so typing replaces it (as a triple click does; Ctrl+A through WebKitWebDriver
 * left Control held, so the next key pasted).
 */
function selectText(selector: string, index: number): void {
  (document.querySelectorAll(selector)[index] as HTMLInputElement).select();
}
const recordedErrors = () => (Reflect.get(window, '__engineErrors') as string[] | undefined) ?? [];

/** Firefox ESR, headless, in a profile of its own (its IndexedDB and service worker last across reloads). */
export async function firefox(): Promise<Engine> {
  const profile = mkdtempSync(join(tmpdir(), 'headstart-firefox-'));
  const downloads = join(profile, 'downloads');
  mkdirSync(downloads);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxExecutable(),
    headless: true,
    userDataDir: join(profile, 'profile'),
    defaultViewport: WINDOW,
    extraPrefsFirefox: {
      // Downloads go to `downloads` without asking.
      'browser.download.folderList': 2,
      'browser.download.dir': downloads,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
    },
  });
  // A tab of its own: the tab Firefox starts with never has the focus here (document.hasFocus() false,
  // no focus or blur events, and a class's name is saved on blur); one opened now does.
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(`page error: ${e instanceof Error ? e.message : String(e)}`));
  page.on('dialog', (d) => void d.accept());
  const nth = async (selector: string, index: number) => {
    const all = await page.$$(selector);
    if (!all[index]) throw new Error(`no element ${index} of ${selector} (${all.length} found)`);
    return all[index];
  };
  const loaded = () => page.evaluate(listenForErrors);
  return {
    name: 'Firefox',
    downloads,
    async goto(url) {
      await page.goto(url);
      await loaded();
    },
    async reload() {
      await page.reload();
      await loaded();
    },
    run: (fn, ...args) => page.evaluate(fn as (...a: unknown[]) => never, ...args),
    async click(selector, index = 0) {
      await (await nth(selector, index)).click();
    },
    async type(selector, index, text) {
      const input = await nth(selector, index);
      await input.click();
      await page.evaluate(selectText, selector, index);
      await input.type(text);
      await input.press('Enter');
    },
    async upload(selector, index, files) {
      const input = (await nth(selector, index)) as import('puppeteer-core').ElementHandle<HTMLInputElement>;
      await input.uploadFile(...files);
    },
    errors: async () => [...pageErrors, ...(await page.evaluate(recordedErrors))],
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * WebKitGTK's MiniBrowser through WebKitWebDriver, on a virtual display. A WebDriver session is
 * ephemeral, as Safari's private browsing is: storage lasts for the session only. MiniBrowser saves a
 * download in $HOME, a fresh folder here.
 */
export async function webkit(): Promise<Engine> {
  const home = mkdtempSync(join(tmpdir(), 'headstart-webkit-'));
  const port = await freePort();
  const xvfbRun = onPath('xvfb-run') ?? 'xvfb-run';
  const server = spawn(xvfbRun, ['-a', '-s', `-screen 0 ${WINDOW.width}x${WINDOW.height}x24`, webkitDriverExecutable() ?? 'WebKitWebDriver', `--port=${port}`], {
    env: { ...process.env, HOME: home },
    detached: true,
    stdio: 'ignore',
  });
  const stopServer = () => {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  let driver;
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      const up = await fetch(`${url}/status`).then((r) => r.ok, () => false);
      if (up) break;
      if (tries > 100) throw new Error(`WebKitWebDriver did not answer on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    driver = await new Builder()
      .usingServer(url)
      .withCapabilities({
        browserName: 'MiniBrowser',
        // confirm() (Delete all data) is accepted, as the user would.
        unhandledPromptBehavior: 'accept',
        'webkitgtk:browserOptions': { binary: miniBrowserExecutable(), args: ['--automation'] },
      })
      .build();
    await driver.manage().window().setRect(WINDOW);
  } catch (e) {
    stopServer();
    throw e;
  }
  const session = driver;
  const nth = async (selector: string, index: number) => {
    const all = await session.findElements(By.css(selector));
    if (!all[index]) throw new Error(`no element ${index} of ${selector} (${all.length} found)`);
    return all[index];
  };
  const run = <T, A extends unknown[]>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<T> => session.executeScript(fn, ...args);
  return {
    name: 'WebKit',
    downloads: home,
    async goto(url) {
      await session.get(url);
      await run(listenForErrors);
    },
    async reload() {
      await session.navigate().refresh();
      await run(listenForErrors);
    },
    run,
    async click(selector, index = 0) {
      await (await nth(selector, index)).click();
    },
    async type(selector, index, text) {
      const input = await nth(selector, index);
      await input.click();
      await run(selectText, selector, index);
      await input.sendKeys(text, Key.ENTER);
    },
    async upload(selector, index, files) {
      await (await nth(selector, index)).sendKeys(files.join('\n'));
    },
    errors: () => run(recordedErrors),
    async close() {
      await session.quit().catch(() => undefined);
      stopServer();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
