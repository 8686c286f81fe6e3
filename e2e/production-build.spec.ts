/** The production build (what `npm start` serves) carries no test handle: nothing can crash the worker from the page. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

test('a build without VITE_HEADSTART_TEST_API has no window.headstart and no crashWorker', () => {
  test.setTimeout(180_000);
  const out = mkdtempSync(join(tmpdir(), 'headstart-prod-'));
  try {
    const env = { ...process.env };
    delete env.VITE_HEADSTART_TEST_API;
    execFileSync('npx', ['vite', 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], { env, stdio: 'pipe' });
    const scripts = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const offending = scripts.filter((f) => /crashWorker|window\.headstart|\.headstart\s*=/.test(readFileSync(join(out, 'assets', f), 'utf8')));
    expect(offending).toEqual([]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
