/**
 * HEIC/HEIF photos (what iPhones take) decoded by libheif built to WebAssembly (the npm package
 * libheif-js, LGPL-3.0; its JS glue and .wasm stay separate files). No DOM: the decode worker
 * turns the RGBA pixels into an ImageBitmap, and the unit test runs this in Node.
 * The wasm (1.4 MB) is fetched the first time a HEIC file arrives, never before.
 */

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, rows packed, alpha 255 where the photo has none. */
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** The part of libheif-js's embind API used here (its .d.ts types these as `any`). */
interface HeifEnum {
  value: number;
}
interface HeifError {
  code: HeifEnum;
  message: string;
}
interface HeifChannel {
  id: HeifEnum;
  width: number;
  height: number;
  stride: number;
  data: Uint8Array;
}
interface LibHeif {
  heif_context_alloc(): unknown;
  heif_context_free(context: unknown): void;
  heif_context_read_from_memory(context: unknown, bytes: Uint8Array): HeifError;
  heif_js_context_get_primary_image_handle(context: unknown): unknown;
  heif_image_handle_get_width(handle: unknown): number;
  heif_image_handle_get_height(handle: unknown): number;
  heif_image_handle_release(handle: unknown): void;
  heif_js_decode_image2(handle: unknown, colorspace: HeifEnum, chroma: HeifEnum): Promise<HeifError | { image: unknown; channels: HeifChannel[] }>;
  heif_image_release(image: unknown): void;
  heif_colorspace: { heif_colorspace_RGB: HeifEnum };
  heif_chroma: { heif_chroma_interleaved_RGBA: HeifEnum };
  heif_channel: { heif_channel_interleaved: HeifEnum };
}
type Factory = (options: { wasmBinary: ArrayBuffer | Uint8Array; print: () => void; printErr: () => void }) => LibHeif & {
  calledRun?: boolean;
  onRuntimeInitialized?: () => void;
};

/** Why a HEIC/HEIF file was not decoded: the decoder did not start, the image is too large, or libheif refused it. */
export class HeicError extends Error {
  constructor(
    readonly kind: 'start' | 'size' | 'damaged',
    message: string,
  ) {
    super(message);
  }
}

function isError(x: unknown): x is HeifError {
  return typeof x === 'object' && x !== null && 'code' in x && typeof (x as HeifError).code?.value === 'number' && (x as HeifError).code.value !== 0;
}

/** Starts libheif once, from the wasm bytes `loadWasm` gives. */
async function startLibHeif(loadWasm: () => Promise<ArrayBuffer | Uint8Array>): Promise<LibHeif> {
  const [glue, wasmBinary] = await Promise.all([import('libheif-js/libheif-wasm/libheif.js'), loadWasm()]);
  const factory = (glue.default ?? glue) as unknown as Factory;
  // This build compiles its wasm synchronously (fine in a worker), so it is usually ready on return.
  const lib = factory({ wasmBinary, print: () => undefined, printErr: () => undefined });
  if (!lib.calledRun) await new Promise<void>((resolve) => (lib.onRuntimeInitialized = resolve));
  return lib;
}

/**
 * Returns a decoder of HEIC/HEIF files to RGBA (the primary image, rotated/mirrored as the file
 * says). Images over `maxPixels` are refused from the header, before any pixel is decoded.
 */
export function heicDecoder(loadWasm: () => Promise<ArrayBuffer | Uint8Array>) {
  let started: Promise<LibHeif> | null = null;
  return async function decodeHeic(bytes: Uint8Array, maxPixels: number): Promise<RgbaImage> {
    started ??= startLibHeif(loadWasm).catch((error: unknown) => {
      started = null; // a later file tries again (e.g. once back online)
      throw new HeicError('start', `the HEIC decoder could not start (${error instanceof Error ? error.message : String(error)})`);
    });
    const heif = await started;
    const context = heif.heif_context_alloc();
    let handle: unknown = null;
    try {
      const read = heif.heif_context_read_from_memory(context, bytes);
      if (isError(read)) throw new HeicError('damaged', `libheif: ${read.message}`);
      handle = heif.heif_js_context_get_primary_image_handle(context);
      if (isError(handle) || !handle) throw new HeicError('damaged', `libheif: ${isError(handle) ? handle.message : 'no primary image'}`);
      const width = heif.heif_image_handle_get_width(handle);
      const height = heif.heif_image_handle_get_height(handle);
      if (width * height > maxPixels)
        throw new HeicError('size', `the image is too large to decode safely (${width}×${height} px; the limit is ${maxPixels / 1e6} megapixels)`);
      const image = await heif.heif_js_decode_image2(handle, heif.heif_colorspace.heif_colorspace_RGB, heif.heif_chroma.heif_chroma_interleaved_RGBA);
      if (isError(image) || !('channels' in image)) throw new HeicError('damaged', `libheif: ${isError(image) ? image.message : 'decoding failed'}`);
      try {
        const plane = image.channels.find((c) => c.id.value === heif.heif_channel.heif_channel_interleaved.value);
        if (!plane || plane.width * plane.height === 0) throw new HeicError('damaged', 'libheif: the decoded image has no pixels');
        // The plane may be a view of libheif's memory with padded rows: copy it out row by row.
        const data = new Uint8ClampedArray(plane.width * plane.height * 4);
        const row = plane.width * 4;
        for (let y = 0; y < plane.height; y++) data.set(plane.data.subarray(y * plane.stride, y * plane.stride + row), y * row);
        return { width: plane.width, height: plane.height, data };
      } finally {
        heif.heif_image_release(image.image);
      }
    } finally {
      if (handle && !isError(handle)) heif.heif_image_handle_release(handle);
      heif.heif_context_free(context);
    }
  };
}
