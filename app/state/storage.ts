/**
 * Whether the project can be kept, and telling the user once when it cannot: no storage at all (the
 * project lives in this tab), or storage the browser may clear (persistence refused or unknown, as in
 * Safari without installing the app). The ask for persistence waits until the project holds images.
 */
import * as db from '../platform/db';
import { requestPersistence, storageEstimate } from '../platform/storage';
import { notify, refreshStorage } from './base';

/** localStorage key: set once the user has been told the browser may clear the project (never said twice). */
export const EVICTION_TOLD_KEY = 'headstart.evictionTold';

let unavailableTold = false;
let askedToKeep = false;

/**
 * Whether IndexedDB can be used; when it cannot, says so once per page (the project then lives in memory,
 * in this tab only). Also says when an older Headstart in another tab keeps the database from opening.
 */
export async function checkStorage(): Promise<boolean> {
  db.whenBlocked(() => notify('error', 'Headstart is open in another tab with an older version, which keeps this one from opening your saved project. Close that tab (or reload it) and this one goes on.'));
  const problem = await db.storageProblem();
  if (problem && !unavailableTold) {
    unavailableTold = true;
    notify(
      'error',
      `This browser does not let Headstart save anything here (${problem}), so the project lives in this tab only: closing or reloading it loses the images and the model. Use "Download project" to keep a copy.`,
    );
  }
  return problem === null;
}

function evictionTold(): boolean {
  try {
    return localStorage.getItem(EVICTION_TOLD_KEY) !== null;
  } catch {
    return false;
  }
}

/** What may happen to a project the browser did not promise to keep, and what to do about it. */
export const EVICTION_WARNING =
  'This browser has not promised to keep Headstart’s saved project: it may clear it when the disk runs low, and Safari clears it after 7 days without a visit. To keep it, install Headstart (Install app, or Add to Home Screen), or use "Download project" now and then to keep a copy you can open again.';

/**
 * Once the project holds images: asks the browser (once per page) to keep its storage; if it will not (or
 * cannot be asked, as in Safari), says what may happen and the remedy, once ever on this browser.
 */
export function askToKeepStorageOnce(): void {
  if (askedToKeep) return;
  askedToKeep = true;
  void (async () => {
    if ((await db.storageProblem()) !== null) return;
    let kept = false;
    try {
      kept = (await storageEstimate()).persisted || (await requestPersistence());
    } catch {
      // Treated as not kept.
    }
    if (!kept && !evictionTold()) {
      notify('info', EVICTION_WARNING);
      try {
        localStorage.setItem(EVICTION_TOLD_KEY, new Date().toISOString());
      } catch {
        // Without localStorage the warning may come again on a later visit.
      }
    }
    await refreshStorage();
  })();
}

/** Asks the browser to keep the project's storage (not evict it under pressure): the "Keep my data" button. */
export async function keepStorage(): Promise<void> {
  let granted = false;
  try {
    granted = await requestPersistence();
  } catch {
    // Treated as not granted.
  }
  notify('info', granted ? 'The browser will keep this project’s storage.' : EVICTION_WARNING);
  await refreshStorage();
}
