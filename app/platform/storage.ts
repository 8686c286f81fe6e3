/** Browser storage quota and persistence (main thread only). */
/** Storage used and available, and whether the browser granted persistent storage. */
export async function storageEstimate(): Promise<{ usage: number; quota: number; persisted: boolean }> {
  const estimate = (await navigator.storage?.estimate?.()) ?? {};
  const persisted = (await navigator.storage?.persisted?.()) ?? false;
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, persisted };
}

/** Asks the browser not to evict the project under storage pressure. */
export async function requestPersistence(): Promise<boolean> {
  return (await navigator.storage?.persist?.()) ?? false;
}
