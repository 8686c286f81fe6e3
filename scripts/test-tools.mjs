// Where the test suites find the programs they drive besides Chromium (scripts/browser.mjs):
// Firefox ESR and WebKitGTK for the cross-engine suite (e2e/engines/), Python for the export tests.
// Each has an environment variable for a copy installed elsewhere; the defaults are Debian's packages.
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first directory on PATH holding `name`, as the shell would find it; undefined when none does. */
export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Firefox ESR, driven by puppeteer-core over WebDriver BiDi: HEADSTART_FIREFOX, else Debian's firefox-esr. */
export function firefoxExecutable() {
  return process.env.HEADSTART_FIREFOX ?? '/usr/bin/firefox-esr';
}

/** WebKitGTK's WebDriver: HEADSTART_WEBKIT_DRIVER, else WebKitWebDriver on PATH (Debian: webkit2gtk-driver). */
export function webkitDriverExecutable() {
  return process.env.HEADSTART_WEBKIT_DRIVER ?? onPath('WebKitWebDriver');
}

/** WebKitGTK's MiniBrowser, which WebKitWebDriver launches: HEADSTART_MINIBROWSER, else where Debian or Fedora put it. */
export function miniBrowserExecutable() {
  if (process.env.HEADSTART_MINIBROWSER) return process.env.HEADSTART_MINIBROWSER;
  const candidates = ['/usr/libexec/webkit2gtk-4.1/MiniBrowser'];
  try {
    // Debian: /usr/lib/<multiarch triplet>/webkit2gtk-4.1/MiniBrowser
    for (const dir of readdirSync('/usr/lib')) candidates.push(join('/usr/lib', dir, 'webkit2gtk-4.1', 'MiniBrowser'));
  } catch {
    // no /usr/lib: not a Linux with WebKitGTK
  }
  return candidates.find((path) => existsSync(path));
}

/** The Python the export tests run (torch, torchvision, onnx): HEADSTART_PYTHON, else /usr/bin/python3 (Debian's, with python3-torch…). */
export function pythonExecutable() {
  return process.env.HEADSTART_PYTHON ?? '/usr/bin/python3';
}

/** The Python modules the export tests import, with the Debian package that provides each. */
export const PYTHON_MODULES = { torch: 'python3-torch', torchvision: 'python3-torchvision', onnx: 'python3-onnx' };
