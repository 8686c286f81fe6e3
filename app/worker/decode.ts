/// <reference lib="webworker" />
import { centreSquare } from '../ml/preprocess';

export interface DecodedImage {
  /** RGBA bytes of the centre square resized to size×size. */
  rgba: Uint8ClampedArray;
  thumbnail: Blob;
  width: number;
  height: number;
}

const THUMBNAIL_SIZE = 96;

/** Why a file could not be used, in words a user understands. Thrown as an Error. */
function unusable(message: string): Error {
  return new Error(message);
}

/**
 * Decodes an image file off the main thread (createImageBitmap + OffscreenCanvas) into the
 * backbone's input square and a small thumbnail. Throws an Error with a user-facing message.
 */
export async function decodeImage(blob: Blob, size: number): Promise<DecodedImage> {
  if (blob.size === 0) throw unusable('the file is empty (0 bytes)');
  if (blob.type === 'image/svg+xml') throw unusable('SVG images are not supported; export it as PNG or JPEG');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    const kind = blob.type ? ` (${blob.type})` : '';
    throw unusable(`it is not an image this browser can decode${kind}`);
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
    const rgba = input.ctx.getImageData(0, 0, size, size).data;
    const thumbnail = await draw(THUMBNAIL_SIZE).canvas.convertToBlob({ type: 'image/webp', quality: 0.8 });
    return { rgba, thumbnail, width: bitmap.width, height: bitmap.height };
  } finally {
    bitmap.close();
  }
}
