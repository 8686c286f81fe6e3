import { describe, expect, it } from 'vitest';
import { littleEndian, transpose } from './tensorBytes';

describe('transpose', () => {
  it('moves a conv kernel [kh, kw, in, out] to OHWI and back', () => {
    const data = Float32Array.from({ length: 2 * 1 * 3 * 4 }, (_, i) => i);
    const out = transpose(data, [2, 1, 3, 4], [3, 0, 1, 2]);
    // out[o][h][w][i] = in[h][w][i][o]
    expect(out[((1 * 2 + 1) * 1 + 0) * 3 + 2]).toBe(data[((1 * 1 + 0) * 3 + 2) * 4 + 1]);
    expect(Array.from(transpose(out, [4, 2, 1, 3], [1, 2, 3, 0]))).toEqual(Array.from(data));
  });

  it('keeps the array type (int8 weights stay int8)', () => {
    const out = transpose(Int8Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0]);
    expect(out).toBeInstanceOf(Int8Array);
    expect(Array.from(out)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('littleEndian', () => {
  it('gives the bytes a DataView reads back little-endian, on either kind of platform', () => {
    const values = Float32Array.from([1.5, -2, 3e-7]);
    for (const platformLittleEndian of [true, false]) {
      // On a big-endian platform the array's own bytes are big-endian: build them so.
      const big = new DataView(new ArrayBuffer(values.byteLength));
      values.forEach((v, i) => big.setFloat32(4 * i, v, false));
      const native = platformLittleEndian ? values : new Float32Array(big.buffer);
      const bytes = littleEndian(native, platformLittleEndian);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect([0, 1, 2].map((i) => view.getFloat32(4 * i, true))).toEqual(Array.from(values));
    }
  });

  it('is a view of the values on this (little-endian) machine, offset included', () => {
    const all = Int32Array.from([7, 8, 9]);
    const bytes = littleEndian(all.subarray(1));
    expect(bytes.buffer).toBe(all.buffer);
    expect(Array.from(bytes)).toEqual([8, 0, 0, 0, 9, 0, 0, 0]);
  });
});
