import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageHeader } from './imageHeader';

const fixture = join(__dirname, '..', '..', 'e2e', 'fixtures', 'emoji', 'train', 'fruit', 'apple.png');

describe('readImageHeader', () => {
  it('reads a PNG size without decoding', () => {
    expect(readImageHeader(new Uint8Array(readFileSync(fixture)))).toEqual({ format: 'png', width: 64, height: 64 });
  });

  it('reads GIF, BMP and JPEG sizes', () => {
    const gif = Uint8Array.from(Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64'));
    expect(readImageHeader(gif)).toEqual({ format: 'gif', width: 1, height: 1 });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 17, 8, 0x2e, 0xe0, 0x2e, 0xe0, 3, 0, 0]);
    expect(readImageHeader(jpeg)).toEqual({ format: 'jpeg', width: 12000, height: 12000 });
  });

  it('recognises SVG and HEIC, and says when it does not know', () => {
    expect(readImageHeader(new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')).format).toBe('svg');
    expect(readImageHeader(new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypheic'), 0, 0])).format).toBe('heic');
    expect(readImageHeader(new TextEncoder().encode('hello'))).toEqual({ format: 'unknown' });
  });
});
