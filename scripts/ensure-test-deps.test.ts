import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onPath } from './test-tools.mjs';

const ROOT = join(import.meta.dirname, '..');
const ALL_PACKAGES = 'apt-get install -y chromium firefox-esr webkit2gtk-driver xvfb python3-torch python3-torchvision python3-onnx';

/** A PATH with node, npm and the shell npm runs scripts with only: no browser, no xvfb-run, no Python. */
const bin = mkdtempSync(join(tmpdir(), 'headstart-bin-'));
symlinkSync(process.execPath, join(bin, 'node'));
symlinkSync('/bin/sh', join(bin, 'sh'));
symlinkSync(realpathSync(onPath('npm') ?? 'npm'), join(bin, 'npm'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const NOWHERE = {
  PATH: bin,
  HEADSTART_CHROMIUM: '/nowhere/chromium',
  HEADSTART_FIREFOX: '/nowhere/firefox-esr',
  HEADSTART_MINIBROWSER: '/nowhere/MiniBrowser',
  HEADSTART_PYTHON: '/nowhere/python3',
  HEADSTART_INSTALL: 'never',
};

/** `pid` and every process below it (npm runs each script in a process group of its own). */
function processTree(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n').map((r) => r.trim().split(/\s+/).map(Number));
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...rows.filter(([, ppid]) => ppid === tree[i]).map(([child]) => child));
  return tree;
}

/** The line npm prints as it starts one of `npm test`'s suites. */
const SUITE_STARTS = /> headstart@\S+ (typecheck|lint|test:\w+)/;

/**
 * Runs a command in the repository with `env` over this process's environment; its output, exit code and
 * seconds. Should a suite start (the step let it through) or the run go on past `limitMs`, everything it
 * started is killed at once.
 */
function run(command: string, args: string[], env: Record<string, string>, limitMs = 20_000) {
  return new Promise<{ code: number | null; output: string; seconds: number }>((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
    const stop = () =>
      processTree(child.pid!).forEach((pid) => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      });
    let output = '';
    const collect = (data: Buffer) => {
      output += data;
      if (SUITE_STARTS.test(output)) stop();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(stop, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, seconds: (performance.now() - started) / 1000 });
    });
  });
}

describe('npm test first finds what its suites drive (scripts/ensure-test-deps.mjs)', () => {
  it('with PATH, the browsers and Python pointing nowhere and installing forbidden: one message, the command, and no suite runs', async () => {
    const { code, output, seconds } = await run(join(bin, 'npm'), ['test'], NOWHERE);
    console.log(`npm test stopped after ${seconds.toFixed(1)} s:\n${output}`);
    expect(code).not.toBe(0);
    expect(output.match(/npm test stops here/g)).toHaveLength(1);
    expect(output).toContain('6 things its suites need could not be found (installing is switched off');
    for (const named of ['Chromium: /nowhere/chromium', 'Firefox ESR: /nowhere/firefox-esr', "WebKitGTK's WebDriver: WebKitWebDriver on PATH", "WebKitGTK's MiniBrowser: /nowhere/MiniBrowser", 'xvfb-run and Xvfb', 'no /nowhere/python3']) {
      expect(output).toContain(named);
    }
    expect(output).toContain(ALL_PACKAGES);
    // npm ran the step (pretest) and nothing after it: no typecheck, lint, unit or e2e suite started.
    expect(output).toContain('> node scripts/ensure-test-deps.mjs');
    expect(output).not.toMatch(SUITE_STARTS);
  }, 40_000);

  it('names only what is missing, and only its package', async () => {
    const { code, output } = await run(process.execPath, ['scripts/ensure-test-deps.mjs', '--no-install'], { HEADSTART_FIREFOX: '/nowhere/firefox-esr', HEADSTART_PYTHON: '/usr/bin/true' });
    expect(code).toBe(1);
    expect(output).toContain('2 things its suites need could not be found');
    expect(output).toContain('Firefox ESR: /nowhere/firefox-esr');
    expect(output).toContain('/usr/bin/true cannot import torch, torchvision, onnx');
    expect(output).toMatch(/\n {2}(sudo )?apt-get install -y firefox-esr python3-torch python3-torchvision python3-onnx\n/);
    expect(output).not.toContain('Chromium:');
  });
});
