/// <reference lib="webworker" />
/**
 * Image decoding (and hashing) for the ML worker, in a worker of its own where the browser allows
 * workers to start workers: embedding a batch keeps the ML worker's thread busy for hundreds of
 * milliseconds, and the next batch's decoding (canvas draws, pixel reads, thumbnail encoding) would
 * otherwise wait for it. If that worker cannot start or dies, decoding carries on here.
 */
import * as Comlink from 'comlink';
import { decodeAndHash } from './decode';
import type { DecoderApi } from './decode.worker';
import { PendingCalls } from './pending';

export type Decode = typeof decodeAndHash;

export function createDecoder(): Decode {
  if (typeof Worker !== 'function') return decodeAndHash;
  let remote: Comlink.Remote<DecoderApi>;
  const calls = new PendingCalls();
  try {
    const worker = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'headstart-decode' });
    remote = Comlink.wrap<DecoderApi>(worker);
    worker.addEventListener('error', () => calls.die(), { once: true });
  } catch {
    return decodeAndHash;
  }
  // A call in flight when the worker dies is decoded here instead; so are all later ones.
  return (blob, size) => calls.track(() => remote.decode(blob, size), () => decodeAndHash(blob, size));
}
