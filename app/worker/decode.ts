/// <reference lib="webworker" />
/// <reference types="vite/client" />
import heifWasmUrl from 'libheif-js/libheif-wasm/libheif.wasm?url';
import { centreSquare, rgbaToPixels } from '../ml/imageInput';
import { sha256 } from '../platform/hash';
import { heicDecoder, HeicError } from './heic';
import { readImageHeader } from './imageHeader';

/** Larger images are refused before decoding: 100 megapixels take 400 MB as RGBA. */
export const MAX_PIXELS = 100_000_000;
/** Larger files are refused unread. */
export const MAX_BYTES = 200 * 2 ** 20;

export interface DecodedImage {
  /** The centre square resized to size×size, as RGB floats in [0, 1] (see rgbaToPixels). */
  pixels: Float32Array;
  thumbnail: Blob;
  width: number;
  height: number;
}

/** What the backbone takes from an image: its input pixels (a camera frame has nothing else). */
export type ModelInput = Pick<DecodedImage, 'pixels'>;

const THUMBNAIL_SIZE = 96;

/** Why a file could not be used, in words a user understands. Thrown as an Error. */
function unusable(message: string): Error {
  return new Error(message);
}

/** What an iPhone user can do about a HEIC photo this app cannot read. */
const HEIC_REMEDY = 'save it as JPEG instead (on an iPhone: Settings → Camera → Formats → Most Compatible, or share the photo as JPEG)';

/** libheif's wasm is precached with the app (vite.config.ts globs every .wasm), so this works offline. */
const decodeHeic = heicDecoder(async () => {
  const response = await fetch(heifWasmUrl);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText} for ${heifWasmUrl}`);
  return response.arrayBuffer();
});

/**
 * HEIC/HEIF photos (iPhones) are decoded by libheif in WebAssembly in every browser, so the same
 * file gives the same pixels, and so the same embedding, everywhere.
 */
async function heicBitmap(blob: Blob): Promise<ImageBitmap> {
  try {
    const { width, height, data } = await decodeHeic(new Uint8Array(await blob.arrayBuffer()), MAX_PIXELS);
    return await createImageBitmap(new ImageData(data, width, height));
  } catch (error) {
    if (!(error instanceof HeicError)) throw error;
    if (error.kind === 'size') throw unusable(error.message);
    if (error.kind === 'start') throw unusable(`HEIC/HEIF photos cannot be decoded here: ${error.message}; ${HEIC_REMEDY}`);
    throw unusable(`it is a damaged or unsupported HEIC/HEIF image (${error.message}); ${HEIC_REMEDY}`);
  }
}

/**
 * Decodes an image file off the main thread (createImageBitmap + OffscreenCanvas) into the
 * backbone's input (centre square, RGB floats) and a small thumbnail. Throws an Error with a
 * user-facing message.
 */
async function decodeImage(blob: Blob, size: number): Promise<DecodedImage> {
  if (blob.size === 0) throw unusable('the file is empty (0 bytes)');
  if (blob.size > MAX_BYTES) throw unusable(`the file is too large (${Math.round(blob.size / 2 ** 20)} MB; the limit is ${MAX_BYTES / 2 ** 20} MB)`);
  const header = readImageHeader(new Uint8Array(await blob.slice(0, 64 * 1024).arrayBuffer()));
  // SVG can hold scripts and external references: it is refused, never rendered.
  if (header.format === 'svg' || blob.type === 'image/svg+xml') throw unusable('SVG images are not supported; export it as PNG or JPEG');
  if (header.width && header.height && header.width * header.height > MAX_PIXELS)
    throw unusable(`the image is too large to decode safely (${header.width}×${header.height} px; the limit is ${MAX_PIXELS / 1e6} megapixels)`);
  let bitmap: ImageBitmap;
  try {
    bitmap = header.format === 'heic' ? await heicBitmap(blob) : await createImageBitmap(blob);
  } catch (error) {
    if (header.format === 'heic') throw error;
    if (header.format === 'unknown') throw unusable(`it is not an image file${blob.type ? ` (${blob.type})` : ''}`);
    throw unusable(`it is a damaged or unsupported ${header.format.toUpperCase()} image that this browser cannot decode`);
  }
  try {
    if (bitmap.width === 0 || bitmap.height === 0) throw unusable('the image has no pixels');
    const crop = centreSquare(bitmap.width, bitmap.height);
    const draw = (side: number) => {
      const canvas = new OffscreenCanvas(side, side);
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) throw unusable('no 2D canvas is available to decode images');
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, side, side);
      return { canvas, ctx };
    };
    const input = draw(size);
    const pixels = rgbaToPixels(input.ctx.getImageData(0, 0, size, size).data, size);
    const thumbnail = await draw(THUMBNAIL_SIZE).canvas.convertToBlob({ type: 'image/webp', quality: 0.8 });
    return { pixels, thumbnail, width: bitmap.width, height: bitmap.height };
  } finally {
    bitmap.close();
  }
}

/** Decodes an image (see decodeImage) and hashes its file. */
export async function decodeAndHash(blob: Blob, size: number): Promise<{ image: DecodedImage; hash: string }> {
  const [image, hash] = await Promise.all([decodeImage(blob, size), sha256(blob)]);
  return { image, hash };
}
