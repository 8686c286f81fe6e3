import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { groupByFolder, readZip, safeName, unsafeZipPath, writeDatasetZip } from './dataset';

const png = (n: number) => new File([new Uint8Array([137, 80, 78, 71, n])], `${n}.png`, { type: 'image/png' });
const names = (files: File[] | undefined) => (files ?? []).map((f) => f.name);

describe('groupByFolder', () => {
  it('makes a class of each top folder, strips a common root, walks nested folders and names what it skipped', () => {
    const { classes, rejected } = groupByFolder([
      { path: 'pets/cats/1.png', file: png(1) },
      { path: 'pets/cats/indoor/2.png', file: png(2) },
      { path: 'pets/dogs/3.png', file: png(3) },
      { path: 'pets/dogs/notes.txt', file: new File(['x'], 'notes.txt', { type: 'text/plain' }) },
      { path: 'pets/dogs/.DS_Store', file: new File(['x'], '.DS_Store') },
    ]);
    expect([...classes.keys()]).toEqual(['cats', 'dogs']);
    expect(names(classes.get('cats'))).toEqual(['1.png', '2.png']);
    expect(rejected).toEqual([{ name: 'pets/dogs/notes.txt', reason: 'it is not an image file' }]);
  });

  it('refuses loose files that are in no class folder', () => {
    const { classes, rejected } = groupByFolder([{ path: '1.png', file: png(1) }, { path: 'a/2.png', file: png(2) }]);
    expect([...classes.keys()]).toEqual(['a']);
    expect(rejected[0]).toMatchObject({ name: '1.png', reason: 'it is not inside a class folder' });
  });
});

describe('zip import', () => {
  const zipFile = (tree: Record<string, Uint8Array>, name = 'set.zip') => new File([zipSync(tree) as Uint8Array<ArrayBuffer>], name);

  it('refuses entries that escape the archive and keeps the rest', async () => {
    const result = await readZip(zipFile({ 'cats/1.png': new Uint8Array([1]), '../evil/2.png': new Uint8Array([2]), '/abs/3.png': new Uint8Array([3]) }));
    expect([...result.classes.keys()]).toEqual(['cats']);
    expect(result.rejected.map((r) => r.name)).toEqual(['set.zip: ../evil/2.png', 'set.zip: /abs/3.png']);
    expect(result.rejected[0].reason).toMatch(/outside the zip/);
  });

  it('refuses a zip bomb from its declared sizes, before inflating it', async () => {
    const bomb = zipFile({ 'a/big.png': new Uint8Array(4 * 2 ** 20) }, 'bomb.zip');
    const result = await readZip(bomb, { maxEntryBytes: 2 ** 30, maxTotalBytes: 2 ** 20, maxEntries: 10 });
    expect(result.fatal).toMatch(/bomb\.zip would unpack to more than/);
    expect(result.classes.size).toBe(0);
  });

  it('reports a file that is not a zip', async () => {
    const result = await readZip(new File(['not a zip'], 'broken.zip'));
    expect(result.fatal).toMatch(/broken\.zip is not a readable zip/);
  });

  it('round-trips an export: same classes, same names, byte-identical files', async () => {
    const a = png(1);
    const b = new File([new Uint8Array([255, 216, 255, 9])], 'photo.jpg', { type: 'image/jpeg' });
    const zip = await writeDatasetZip([
      { name: 'cats', files: [{ name: a.name, blob: a }, { name: a.name, blob: b }] },
      { name: 'dogs/<b>', files: [{ name: b.name, blob: b }] },
    ]);
    const back = await readZip(new File([zip], 'export.zip'));
    expect([...back.classes.keys()]).toEqual(['cats', 'dogs__b_']);
    expect(names(back.classes.get('cats'))).toEqual(['1.png', '1 (2).png']);
    expect(new Uint8Array(await back.classes.get('cats')![0].arrayBuffer())).toEqual(new Uint8Array(await a.arrayBuffer()));
    expect(new Uint8Array(await back.classes.get('cats')![1].arrayBuffer())).toEqual(new Uint8Array(await b.arrayBuffer()));
  });
});

describe('path and name safety', () => {
  it('spots escaping paths', () => {
    expect(unsafeZipPath('a/../../x.png')).toBe(true);
    expect(unsafeZipPath('C:\\x.png')).toBe(true);
    expect(unsafeZipPath('a/b/x.png')).toBe(false);
  });

  it('makes names safe on every file system', () => {
    expect(safeName('a/b:c*?')).toBe('a_b_c__');
    expect(safeName('...')).toBe('_');
  });
});
