import { webCryptoEnv } from '../../../shared/crypto/crypto-env';
import { fromBase64Url } from '../../../shared/crypto/encoding';
import { fingerprintSpki } from '../../../shared/crypto/fingerprint';
import { errorMessage } from '../api-client';
import { getWrapKey } from '../session-keys';
import {
  emptyPinSet,
  mayWriteTo,
  pinOf,
  reconcilePins,
  type PinSet,
  type ServedKey,
  type WriteCheck,
} from './pin-set';
import { loadLocalPins, saveLocalPins } from './pin-store';
import {
  fetchRemotePins,
  localPinsFor,
  putRemotePins,
  syncPins,
  type FetchRemotePins,
  type LocalPins,
  type PutRemotePins,
} from './pin-sync';

// The one place that changes this browser's pins: it reads IndexedDB, applies a pure change from
// pin-set.ts, saves, and syncs when the wrap key is in memory. One account's changes run one at a time,
// so a poll's reconcile and a click on "Mark as verified" never both read the old copy and each write
// their own. The latest state is kept here too, so every page (People now, Messages later) sees the same.

export interface PinsSnapshot {
  /** Null until first loaded from IndexedDB. */
  record: LocalPins | null;
  /** Members this browser pinned on first sight during this session. */
  newlyPinned: readonly string[];
  /** Why the last attempt to load or sync failed, for the page to show; null when it worked. */
  syncError: string | null;
}

export interface PinRemote {
  fetchRemote: FetchRemotePins;
  putRemote: PutRemotePins;
}

export interface PinContext {
  /** Null while the wrap key is not in memory (after a reload): work locally, upload later. */
  wrapKey: CryptoKey | null;
  /** The server's pins; a parameter so tests can stand in for it. */
  remote?: PinRemote;
  now?: () => number;
}

const EMPTY: PinsSnapshot = { record: null, newlyPinned: [], syncError: null };
const snapshots = new Map<string, PinsSnapshot>();
const listeners = new Map<string, Set<() => void>>();
const queues = new Map<string, Promise<unknown>>();
const serverRemote: PinRemote = { fetchRemote: fetchRemotePins, putRemote: putRemotePins };

export function pinsSnapshot(accountName: string): PinsSnapshot {
  return snapshots.get(accountName) ?? EMPTY;
}

export function subscribePins(accountName: string, listener: () => void): () => void {
  const set = listeners.get(accountName) ?? new Set();
  listeners.set(accountName, set);
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

function publish(accountName: string, patch: Partial<PinsSnapshot>): void {
  snapshots.set(accountName, { ...pinsSnapshot(accountName), ...patch });
  for (const listener of listeners.get(accountName) ?? []) listener();
}

/** Runs `job` after every earlier job of the account has settled, whether it worked or not. */
function serialized<T>(accountName: string, job: () => Promise<T>): Promise<T> {
  const next = (queues.get(accountName) ?? Promise.resolve()).then(job, job);
  queues.set(
    accountName,
    next.catch(() => undefined),
  );
  return next;
}

/** The local copy (a fresh one if there is none), and a save that writes only what changed since. */
async function opened(accountName: string) {
  const stored = await loadLocalPins(accountName);
  let saved = stored;
  return {
    stored,
    record: stored ?? localPinsFor(accountName, emptyPinSet()),
    async save(record: LocalPins): Promise<void> {
      if (record === saved) return;
      await saveLocalPins(record);
      saved = record;
    },
  };
}

async function sync(accountName: string, record: LocalPins, context: PinContext): Promise<LocalPins> {
  if (!context.wrapKey) return record;
  const remote = context.remote ?? serverRemote;
  return syncPins({
    accountName,
    wrapKey: context.wrapKey,
    local: record,
    fetchRemote: remote.fetchRemote,
    putRemote: remote.putRemote,
    env: webCryptoEnv(crypto),
  });
}

/** Loads the local copy once, so the page can show pins before any member list arrives. */
export function loadPins(accountName: string): Promise<LocalPins> {
  return serialized(accountName, async () => {
    try {
      const { record } = await opened(accountName);
      publish(accountName, { record });
      return record;
    } catch (error) {
      publish(accountName, { syncError: errorMessage(error) });
      throw error;
    }
  });
}

/**
 * Checks the keys served for the members against the pins, pinning new members on first sight, and syncs.
 * `remoteVersion` is the server's version as last read (undefined if unknown): while it is newer than the
 * local copy and the wrap key is away, the server may hold pins this browser cannot read yet, so nobody is
 * pinned on first sight until it can; changed keys are still caught against the pins it has.
 */
export function refreshPins(
  accountName: string,
  served: readonly ServedKey[],
  context: PinContext & { remoteVersion?: number },
): Promise<LocalPins> {
  return serialized(accountName, async () => {
    let syncError: unknown = null;
    try {
      const now = context.now ?? Date.now;
      const local = await opened(accountName);
      let record = local.record;
      let synced = false;
      // Read the other browsers' pins first, so a browser new to the account takes their pins rather
      // than pinning on first sight whatever the server serves it.
      if (context.wrapKey && (record.dirty || context.remoteVersion !== record.version)) {
        try {
          record = await sync(accountName, record, context);
          synced = true;
        } catch (error) {
          syncError = error;
        }
      } else {
        synced = context.wrapKey !== null;
      }
      const behind = !synced && (context.remoteVersion ?? 0) > record.version;
      const checked = behind
        ? served.filter(({ communityName }) => pinOf(record.pins, communityName))
        : served;
      const result = reconcilePins(record.pins, checked, now());
      if (result.changed) {
        record = { ...record, pins: result.pins, dirty: true };
        // Saved before the upload: a tab closed mid-sync must not lose an alarm.
        await local.save(record);
        if (syncError === null) {
          try {
            record = await sync(accountName, record, context);
          } catch (error) {
            syncError = error;
          }
        }
      }
      await local.save(record);
      // On a first look in a browser that could not read the account's pins, "new" would mean "new here".
      const fresh = local.stored !== null || synced ? result.newlyPinned : [];
      const earlier = pinsSnapshot(accountName).newlyPinned;
      publish(accountName, {
        record,
        newlyPinned: fresh.length
          ? [...earlier, ...fresh.filter((name) => !earlier.includes(name))]
          : earlier,
        syncError: syncError === null ? null : errorMessage(syncError),
      });
      return record;
    } catch (error) {
      publish(accountName, { syncError: errorMessage(error) });
      throw error;
    }
  });
}

/** Applies one pure change (pin at acceptance, mark verified), saves it, and uploads it if it can. */
export function changePins(
  accountName: string,
  edit: (pins: PinSet, now: number) => PinSet,
  context: PinContext,
): Promise<LocalPins> {
  return serialized(accountName, async () => {
    const now = context.now ?? Date.now;
    const local = await opened(accountName);
    const pins = edit(local.record.pins, now());
    let record = pins === local.record.pins ? local.record : { ...local.record, pins, dirty: true };
    await local.save(record);
    let syncError: string | null = null;
    if (record.dirty) {
      try {
        record = await sync(accountName, record, context);
        await local.save(record);
      } catch (error) {
        // The change holds here already; only the upload waits for the next sync.
        syncError = errorMessage(error);
      }
    }
    publish(accountName, { record, syncError });
    return record;
  });
}

/**
 * The write check outside React, for code about to encrypt to `publicKey` (base64url SPKI), the very key
 * it will use. A changed key is recorded on the way, so the alarm shows even if People never polled it.
 */
export async function checkMayWriteTo(
  accountName: string,
  name: string,
  publicKey: string,
): Promise<WriteCheck> {
  const fingerprint = await fingerprintSpki(crypto, fromBase64Url(publicKey));
  const record = await serialized(accountName, () => loadLocalPins(accountName));
  const pins = record?.pins ?? emptyPinSet();
  const check = mayWriteTo(pins, name, fingerprint);
  if (!check.ok && check.reason === 'key_changed') {
    await changePins(
      accountName,
      (current, now) => reconcilePins(current, [{ communityName: name, fingerprint }], now).pins,
      {
        wrapKey: getWrapKey(),
      },
    );
  }
  return check;
}
