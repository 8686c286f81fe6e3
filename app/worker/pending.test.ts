import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PendingCalls } from './pending';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Whether a call's result is still reachable after the call settled and the caller let it go. */
async function retained(track: (call: () => Promise<object>) => Promise<object>): Promise<boolean> {
  let ref: WeakRef<object> | null = null;
  await (async () => {
    const value = await track(async () => {
      const big = { bytes: new Uint8Array(1 << 20) };
      ref = new WeakRef(big);
      return big;
    });
    expect(value).toBeTruthy();
  })();
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
  return (ref as WeakRef<object> | null)?.deref() !== undefined;
}

describe('calls to a worker that may die', () => {
  it('keeps nothing once a call settles (a race against a never-settling promise keeps every result)', async () => {
    const never = new Promise<never>(() => undefined);
    expect(await retained((call) => Promise.race([call(), never]))).toBe(true);
    const calls = new PendingCalls();
    expect(await retained((call) => calls.track(call, () => Promise.reject(new Error('dead'))))).toBe(false);
    expect(calls.size).toBe(0);
  });

  it('hands calls in flight, and later ones, to their onDeath when the worker dies', async () => {
    const calls = new PendingCalls();
    const hanging = calls.track(() => new Promise<string>(() => undefined), async () => 'redone here');
    const failing = calls.track(() => new Promise<string>(() => undefined), () => Promise.reject(new Error('the worker crashed')));
    calls.die();
    await expect(hanging).resolves.toBe('redone here');
    await expect(failing).rejects.toThrow('the worker crashed');
    await expect(calls.track(async () => 'not called', async () => 'after death')).resolves.toBe('after death');
  });
});
