import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest, SAMPLE_SET } from './sampleDataset';

const folder = join(import.meta.dirname, '..', '..', 'public', 'samples', SAMPLE_SET);
const committed = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { classes: string[]; files: { class: string; file: string }[] };

describe('the sample dataset manifest', () => {
  it('the committed one parses, and every file it lists is there, in its class folder', () => {
    const m = parseManifest(committed);
    expect(m.classes).toEqual(['bird', 'flower', 'fruit']);
    for (const f of m.files) {
      expect(f.file.startsWith(`${f.class}/`)).toBe(true);
      expect(readFileSync(join(folder, f.file)).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    }
  });

  it('refuses paths that leave the set, files of unlisted classes and fewer than two classes', () => {
    const files = (file: string, cls = 'bird') => ({ ...committed, files: [{ class: cls, file, credit: '' }] });
    expect(() => parseManifest(files('../../index.html'))).toThrow(/bad file entry/);
    expect(() => parseManifest(files('bird/../../x.jpg'))).toThrow(/bad file entry/);
    expect(() => parseManifest(files('bird/owl.jpg', 'cat'))).toThrow(/in no listed class/);
    expect(() => parseManifest({ ...committed, classes: ['bird'] })).toThrow(/no classes/);
    expect(() => parseManifest(null)).toThrow(/no classes/);
  });
});
