/** Weights as model files hold them, for every writer (TFLite, ONNX, PyTorch): axes reordered, little-endian bytes. TF-free. */

/** `data` (row-major in `shape`) with its axes reordered: result axis i is input axis perm[i]. */
export function transpose<T extends Float32Array | Int8Array>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const out = new (data.constructor as { new (n: number): T })(data.length);
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const permStrides = perm.map((p) => strides[p]);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += index[d] * permStrides[d];
    out[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

const PLATFORM_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The values as little-endian bytes: a view of them on a little-endian platform (every one the app runs
 * on), else a copy with each value's bytes reversed.
 */
export function littleEndian(values: Float32Array | Int32Array | Int8Array, platformLittleEndian = PLATFORM_LITTLE_ENDIAN): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(values.buffer as ArrayBuffer, values.byteOffset, values.byteLength);
  const size = values.BYTES_PER_ELEMENT;
  if (platformLittleEndian || size === 1) return bytes;
  return bytes.map((_, i) => bytes[i - (i % size) + size - 1 - (i % size)]);
}
