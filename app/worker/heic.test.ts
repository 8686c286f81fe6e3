import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { heicDecoder, HeicError, type RgbaImage } from './heic';

// A real HEIC (HEVC, x265) made by Debian's heif-enc from public/samples/.../bird/owl.jpg (e2e/fixtures/README.md).
const fixtures = join(__dirname, '..', '..', 'e2e', 'fixtures', 'heic');
const owl = new Uint8Array(readFileSync(join(fixtures, 'owl.heic')));
const wasmPath = createRequire(import.meta.url).resolve('libheif-js/libheif-wasm/libheif.wasm');
const loadWasm = async () => new Uint8Array(readFileSync(wasmPath));

/** The image averaged over size×size boxes, RGB only. */
function boxes(image: { width: number; height: number; data: ArrayLike<number> }, size: number): number[] {
  const out: number[] = [];
  const bw = image.width / size;
  const bh = image.height / size;
  for (let by = 0; by < size; by++)
    for (let bx = 0; bx < size; bx++)
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let y = by * bh; y < (by + 1) * bh; y++) for (let x = bx * bw; x < (bx + 1) * bw; x++) sum += image.data[(y * image.width + x) * 4 + c];
        out.push(sum / (bw * bh));
      }
  return out;
}

describe('HEIC decoding (libheif in WebAssembly)', () => {
  it('decodes a real HEIC photo to the picture it was made from', async () => {
    const decodeHeic = heicDecoder(loadWasm);
    const image: RgbaImage = await decodeHeic(owl, 100e6);
    expect([image.width, image.height, image.data.length]).toEqual([224, 224, 224 * 224 * 4]);
    expect(image.data.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
    // The source photo, box-averaged to 16×16 by Pillow from the JPEG (an independent decoder).
    const reference = PNG.sync.read(readFileSync(join(fixtures, 'owl-16px.png')));
    const ours = boxes(image, 16);
    const theirs = boxes(reference, 16);
    const meanAbs = ours.reduce((s, v, i) => s + Math.abs(v - theirs[i]), 0) / ours.length;
    expect(meanAbs).toBeLessThan(1.5); // 0.23 measured; 8.5 with red and blue swapped
    // Not a blank or uniform picture: the owl's boxes span most of the range.
    expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(150);
  });

  it('refuses an image over the pixel limit before decoding it, and damaged files by name of the fault', async () => {
    const decodeHeic = heicDecoder(loadWasm);
    await expect(decodeHeic(owl, 10_000)).rejects.toThrow(/too large to decode safely \(224×224 px/);
    const truncated = decodeHeic(owl.subarray(0, owl.length >> 1), 100e6);
    await expect(truncated).rejects.toBeInstanceOf(HeicError);
    await expect(truncated).rejects.toMatchObject({ kind: 'damaged' });
    const headerOnly = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypheic'), 0, 0, 0, 0]);
    await expect(decodeHeic(headerOnly, 100e6)).rejects.toMatchObject({ kind: 'damaged', message: /libheif: / });
    // The decoder still works after refusing those.
    expect((await decodeHeic(owl, 100e6)).width).toBe(224);
  });

  it('says when the decoder cannot start, and tries again for the next file', async () => {
    let calls = 0;
    const decodeHeic = heicDecoder(async () => {
      calls++;
      if (calls === 1) throw new Error('offline');
      return loadWasm();
    });
    await expect(decodeHeic(owl, 100e6)).rejects.toMatchObject({ kind: 'start', message: /could not start \(offline\)/ });
    expect((await decodeHeic(owl, 100e6)).height).toBe(224);
    expect(calls).toBe(2);
  });
});
