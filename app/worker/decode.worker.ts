/// <reference lib="webworker" />
/** A second worker that only decodes images (no TF.js), so decoding runs beside embedding. */
import * as Comlink from 'comlink';
import { decodeAndHash } from './decode';

const decoder = {
  async decode(blob: Blob, size: number) {
    const decoded = await decodeAndHash(blob, size);
    return Comlink.transfer(decoded, [decoded.image.pixels.buffer]);
  },
};

export type DecoderApi = typeof decoder;

Comlink.expose(decoder);
