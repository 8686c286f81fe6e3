// `npm test`'s first step (pretest; .ci/run goes through it too): finds every program the suites drive
// before any suite starts, installs what is missing the way this machine can (Debian's packages as root
// on Debian, else Playwright's own Chromium download), and otherwise stops at once with one message
// naming what is missing and the command that installs it.
//   node scripts/ensure-test-deps.mjs [--no-install]     (HEADSTART_INSTALL=never: the same as --no-install)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumExecutable } from './browser.mjs';
import { firefoxExecutable, miniBrowserExecutable, onPath, pythonExecutable, PYTHON_MODULES, webkitDriverExecutable } from './test-tools.mjs';

const ROOT = join(import.meta.dirname, '..');
const NO_INSTALL = process.argv.includes('--no-install') || process.env.HEADSTART_INSTALL === 'never';
const APT_PACKAGES_IN_ORDER = ['chromium', 'firefox-esr', 'webkit2gtk-driver', 'xvfb', ...Object.values(PYTHON_MODULES)];

/** Playwright's own Chromium, if it was downloaded (`npx playwright install chromium`). */
async function playwrightChromium() {
  try {
    const { chromium } = await import('playwright-core');
    const path = chromium.executablePath();
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined; // node_modules not installed yet
  }
}

/** The Python modules `python` cannot import (all of them when there is no such Python). */
function missingPythonModules(python) {
  const names = Object.keys(PYTHON_MODULES);
  if (!existsSync(python)) return names;
  const code = `import importlib.util; print('missing:', *[n for n in ${JSON.stringify(names)} if importlib.util.find_spec(n) is None])`;
  const answer = spawnSync(python, ['-c', code], { encoding: 'utf8' }).stdout?.match(/^missing:(.*)$/m);
  return answer ? answer[1].trim().split(/\s+/).filter(Boolean) : names;
}

/**
 * What is missing: each with what it is, where it was looked for, the Debian packages that provide it,
 * and the environment variable that names another copy (set: Debian's package would not help).
 */
async function missing() {
  const found = [];
  const chromium = chromiumExecutable();
  if (chromium === undefined) {
    if (!(await playwrightChromium())) {
      found.push({ what: 'Chromium', where: "no /usr/bin/chromium, and Playwright's own Chromium is not downloaded", apt: ['chromium'], playwright: true, variable: process.env.HEADSTART_CHROMIUM ? 'HEADSTART_CHROMIUM' : undefined });
    }
  } else if (!existsSync(chromium)) {
    found.push({ what: 'Chromium', where: chromium, apt: ['chromium'], variable: process.env.HEADSTART_CHROMIUM ? 'HEADSTART_CHROMIUM' : undefined });
  }
  const firefox = firefoxExecutable();
  if (!existsSync(firefox)) found.push({ what: 'Firefox ESR', where: firefox, apt: ['firefox-esr'], variable: process.env.HEADSTART_FIREFOX ? 'HEADSTART_FIREFOX' : undefined });
  const driver = webkitDriverExecutable();
  if (!driver || !existsSync(driver)) {
    found.push({ what: "WebKitGTK's WebDriver", where: driver ?? 'WebKitWebDriver on PATH', apt: ['webkit2gtk-driver'], variable: process.env.HEADSTART_WEBKIT_DRIVER ? 'HEADSTART_WEBKIT_DRIVER' : undefined });
  }
  const miniBrowser = miniBrowserExecutable();
  if (!miniBrowser || !existsSync(miniBrowser)) {
    found.push({ what: "WebKitGTK's MiniBrowser", where: miniBrowser ?? '/usr/lib/*/webkit2gtk-4.1/MiniBrowser', apt: ['webkit2gtk-driver'], variable: process.env.HEADSTART_MINIBROWSER ? 'HEADSTART_MINIBROWSER' : undefined });
  }
  if (!onPath('xvfb-run') || !onPath('Xvfb')) found.push({ what: 'xvfb-run and Xvfb (a virtual display for MiniBrowser)', where: 'PATH', apt: ['xvfb'] });
  const python = pythonExecutable();
  const modules = missingPythonModules(python);
  if (modules.length > 0) {
    const where = existsSync(python) ? `${python} cannot import ${modules.join(', ')}` : `no ${python}`;
    found.push({ what: `Python 3 with ${Object.keys(PYTHON_MODULES).join(', ')} (the export tests)`, where, apt: modules.map((m) => PYTHON_MODULES[m]), variable: process.env.HEADSTART_PYTHON ? 'HEADSTART_PYTHON' : undefined });
  }
  return found;
}

const aptCommand = (packages, sudo) => `${sudo ? 'sudo ' : ''}apt-get install -y ${APT_PACKAGES_IN_ORDER.filter((p) => packages.includes(p)).join(' ')}`;
const isRoot = process.getuid?.() === 0;
const isDebian = existsSync('/etc/debian_version') && onPath('apt-get') !== undefined;

function run(command, args) {
  console.log(`ensure-test-deps: ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

/** Installs what it can; returns why something could not be installed, for the message ('' when nothing stood in the way). */
async function install(items) {
  if (NO_INSTALL) return 'installing is switched off (--no-install or HEADSTART_INSTALL=never)';
  const notes = [];
  const fromApt = APT_PACKAGES_IN_ORDER.filter((p) => items.some((i) => !i.variable && i.apt.includes(p)));
  if (fromApt.length > 0) {
    if (!isRoot || !isDebian) notes.push(isDebian ? 'apt-get needs root' : 'this is not Debian, so there is no apt-get');
    else if (!(run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', ...fromApt]))) notes.push('apt-get failed (above)');
  }
  // Elsewhere Chromium comes from Playwright's own download: the tests use it where /usr/bin/chromium is absent.
  if (items.some((i) => i.playwright) && (await missing()).some((i) => i.playwright)) {
    if (!run(process.execPath, [join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js'), 'install', 'chromium'])) notes.push("Playwright's Chromium download failed (above)");
  }
  return notes.join('; ');
}

const before = await missing();
if (before.length === 0) process.exit(0);
const reason = await install(before);
const after = NO_INSTALL ? before : await missing();
const why = reason || 'still missing after installing (above)';
if (after.length === 0) {
  console.log('ensure-test-deps: everything the tests need is installed');
  process.exit(0);
}

const lines = [
  '',
  `npm test stops here: ${after.length === 1 ? 'one thing' : `${after.length} things`} its suites need could not be found (${why}).`,
  ...after.map((i) => `  - ${i.what}: ${i.where}${i.variable ? ` (${i.variable} is set; unset it to use Debian's package)` : ''}`),
  'On Debian or Ubuntu, install them with:',
  `  ${aptCommand(after.flatMap((i) => i.apt), !isRoot)}`,
];
if (after.some((i) => i.what === 'Chromium')) lines.push("Elsewhere, Playwright's own Chromium: npx playwright install chromium");
lines.push('Other systems and other copies (HEADSTART_CHROMIUM, HEADSTART_FIREFOX, HEADSTART_WEBKIT_DRIVER, HEADSTART_MINIBROWSER, HEADSTART_PYTHON): docs/testing.md', '');
console.error(lines.join('\n'));
process.exit(1);
