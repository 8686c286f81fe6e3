import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEAD_SETTINGS } from '../ml/settings';
import type { TrainSummary } from '../worker/protocol';
import type { ProjectSnapshot } from './db';
import { readProjectFile, writeProjectFile } from './projectFile';

const bytes = (...values: number[]) => new Uint8Array(values).buffer;

const snapshot: ProjectSnapshot = {
  project: { classes: [{ id: 'a', name: 'cats' }, { id: 'b', name: 'dogs' }], settings: { ...DEFAULT_HEAD_SETTINGS, epochs: 7 } },
  samples: [
    { id: 's1', classId: 'a', name: 'tabby.jpg', hash: 'h1', order: 0, original: { bytes: bytes(1, 2, 3), type: 'image/jpeg' }, thumbnail: { bytes: bytes(9), type: 'image/webp' } },
    { id: 's2', classId: 'b', name: 'rex.png', hash: 'h2', order: 0, original: { bytes: bytes(4, 5), type: 'image/png' }, thumbnail: { bytes: bytes(8, 7), type: 'image/webp' } },
  ],
  embeddings: [
    ['m|p1|h1', new Float32Array([0.5, -1, 2])],
    ['m|p1|h2', new Float32Array([3, 4, 5.25])],
  ],
  head: {
    topology: { class_name: 'Sequential' },
    weightSpecs: [{ name: 'w', shape: [3, 2], dtype: 'float32' }],
    weightData: new Float32Array([1, 2, 3, 4, 5, 6]).buffer,
    classIds: ['a', 'b'],
    summary: { stopped: false, epochsRun: 3 } as unknown as TrainSummary,
    blocks: { count: 1, weights: [new Float32Array([1, 2]), new Float32Array([3])] },
  },
};

describe('project file', () => {
  it('reads back what it wrote, and writes the same bytes again', () => {
    const file = writeProjectFile(snapshot);
    const back = readProjectFile('p.zip', file);
    expect(back).toEqual(snapshot);
    expect(writeProjectFile(back)).toEqual(file);
  });

  it('refuses other files by name, saying what is wrong', () => {
    const good = unzipSync(writeProjectFile(snapshot));
    const manifest = JSON.parse(new TextDecoder().decode(good['headstart-project.json'])) as Record<string, unknown>;
    const withManifest = (m: object) => zipSync({ ...good, 'headstart-project.json': strToU8(JSON.stringify(m)) });
    const without = (path: string) => zipSync(Object.fromEntries(Object.entries(good).filter(([p]) => p !== path)));
    expect(() => readProjectFile('x.zip', strToU8('hello'))).toThrow('x.zip is not a Headstart project: it is not a zip file.');
    expect(() => readProjectFile('x.zip', zipSync({ 'cats/a.jpg': new Uint8Array([1]) }))).toThrow('x.zip is not a Headstart project: it has no headstart-project.json');
    expect(() => readProjectFile('x.zip', withManifest({ ...manifest, format: 'teachable-machine' }))).toThrow('is not a Headstart project manifest');
    expect(() => readProjectFile('x.zip', withManifest({ ...manifest, version: 2 }))).toThrow('saved by a newer Headstart (project format 2; this one opens format 1)');
    expect(() => readProjectFile('x.zip', without('images/h2'))).toThrow('x.zip is not a complete Headstart project: images/h2 (rex.png) is missing or damaged.');
    expect(() => readProjectFile('x.zip', without('thumbnails/h1'))).toThrow('thumbnails/h1 (tabby.jpg)');
    expect(() => readProjectFile('x.zip', without('embeddings.bin'))).toThrow('embeddings.bin is missing');
    expect(() => readProjectFile('x.zip', without('head/weights.bin'))).toThrow('head/weights.bin');
    expect(() => readProjectFile('x.zip', without('head/blocks.bin'))).toThrow('head/blocks.bin');
    expect(() => readProjectFile('x.zip', withManifest({ ...manifest, images: [{ id: 's3', classId: 'nope', name: 'n', hash: 'h1', order: 0 }] }))).toThrow('an entry of the list of images');
  });
});
