import { test as base, expect, type Page } from '@playwright/test';
import type {} from '../app/state/testApi';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, 'fixtures', 'emoji');

/** Image files of one class of the fixture set. */
export function images(split: 'train' | 'test', cls: string, limit = Infinity): string[] {
  const dir = join(FIXTURES, split, cls);
  return readdirSync(dir)
    .sort()
    .slice(0, limit)
    .map((f) => join(dir, f));
}

/** Page object: the user's actions, by the stable test ids. */
export class HeadstartPage {
  constructor(readonly page: Page) {}

  async open(query = ''): Promise<void> {
    await this.page.goto(`/${query}`);
    await expect(this.page.getByTestId('model-status')).toContainText(/ready/i, { timeout: 180_000 });
  }

  backend() {
    return this.page.getByTestId('backend');
  }

  card(index: number) {
    return this.page.getByTestId('class-card').nth(index);
  }

  async addClass(name: string): Promise<void> {
    const before = await this.page.getByTestId('class-card').count();
    await this.page.getByTestId('add-class').click();
    const input = this.card(before).getByTestId('class-name');
    await input.fill(name);
    await input.press('Enter');
    await expect(input).toHaveValue(name);
  }

  async addImages(index: number, files: string[] | { name: string; mimeType: string; buffer: Buffer }[], expectedCount?: number): Promise<void> {
    await this.card(index).getByTestId('sample-input').setInputFiles(files);
    if (expectedCount !== undefined) await expect(this.card(index).getByTestId('sample-count')).toHaveText(String(expectedCount), { timeout: 180_000 });
  }

  async train(timeout = 180_000): Promise<void> {
    await this.page.getByTestId('train-button').click();
    await expect(this.page.getByTestId('train-status')).toContainText(/trained/i, { timeout });
  }

  /** Classifies one image through the preview panel; returns the top class shown. */
  async predict(file: string): Promise<string> {
    const current = () => this.page.evaluate(() => window.headstart?.state().prediction);
    const before = (await current())?.imageUrl ?? null;
    await this.page.getByTestId('predict-input').setInputFiles(file);
    await expect
      .poll(async () => {
        const p = await current();
        return p && p.imageUrl !== before && p.status !== 'running' ? p.status : 'waiting';
      }, { timeout: 120_000 })
      .toBe('done');
    return (await this.page.getByTestId('prediction').textContent()) ?? '';
  }
}

export const test = base.extend<{ app: HeadstartPage }>({
  app: async ({ page }, use) => {
    await use(new HeadstartPage(page));
  },
});

export { expect };
