import type { CryptoEnv } from '../../../shared/crypto/crypto-env';
import { openPinSet, sealPinSet, type PinBlobV1 } from '../../../shared/crypto/pin-blob';
import {
  pinsResponseSchema,
  putPinsResponseSchema,
  type PutPinsRequest,
} from '../../../shared/protocol/ring';
import { apiRequest, ApiRequestError } from '../api-client';
import { mergePinSets, pinSetsEqual, type PinSet } from './pin-set';

// The pins travel between the user's browsers through the server as one sealed blob (shared/crypto/
// pin-blob.ts). The server keeps a version number and refuses a write based on an old one, so two
// browsers saving at once never lose each other's pins: the one refused reads again, merges and retries.
// The server only ever sees ciphertext, and a blob it could not have made never replaces what we hold.

/** This browser's copy of the pins, as IndexedDB keeps it (db.ts, store `pins`). */
export interface LocalPins {
  /** The account the pins belong to; one browser may be used by several accounts in turn. */
  accountName: string;
  pins: PinSet;
  /** The server version this copy already includes; 0 before the first sync. */
  version: number;
  /** Changes made here that the server does not hold yet (made while the wrap key was not in memory). */
  dirty: boolean;
}

export interface RemotePins {
  /** Opaque to the server; opened only here, with the wrap key. */
  blob: unknown;
  version: number;
}

export type FetchRemotePins = () => Promise<RemotePins | null>;
/** Resolves to the new version, or rejects with ApiRequestError code 'pins_conflict' if `baseVersion` is stale. */
export type PutRemotePins = (request: {
  blob: PinBlobV1;
  baseVersion: number;
}) => Promise<{ version: number }>;

/** Enough for browsers saving at the same moment; a loop beyond that means something else is wrong. */
export const PIN_SYNC_ATTEMPTS = 3;

export function localPinsFor(accountName: string, pins: PinSet): LocalPins {
  return { accountName, pins, version: 0, dirty: false };
}

function isConflict(error: unknown): boolean {
  return error instanceof ApiRequestError && error.code === 'pins_conflict';
}

/**
 * Brings the local copy and the server's into one merged set and returns the new local copy (clean, at
 * the server's version). A server blob that does not open with this wrap key rejects with CryptoError
 * 'pins_unopenable' and is left as it is: it may hold pins this browser cannot see, and the caller shows
 * the error rather than overwrite them.
 */
export async function syncPins(input: {
  accountName: string;
  wrapKey: CryptoKey;
  local: LocalPins;
  fetchRemote: FetchRemotePins;
  putRemote: PutRemotePins;
  env: Pick<CryptoEnv, 'subtle' | 'randomBytes'>;
  attempts?: number;
}): Promise<LocalPins> {
  const { accountName, wrapKey, env } = input;
  let { pins, version, dirty } = input.local;
  const attempts = input.attempts ?? PIN_SYNC_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const remote = await input.fetchRemote();
    let remoteSet: PinSet | null = null;
    // A version other than ours holds pins we have not merged yet. Lower counts too: a server restored
    // from a backup forgets writes, and merging its older set is harmless while uploading ours repairs it.
    if (remote && remote.version !== version) {
      remoteSet = await openPinSet(env, { wrapKey, accountName, blob: remote.blob });
      pins = mergePinSets(pins, remoteSet);
    }
    const remoteVersion = remote?.version ?? 0;
    const upload = remote
      ? dirty || (remoteSet !== null && !pinSetsEqual(pins, remoteSet))
      : dirty || Object.keys(pins.members).length > 0;
    if (!upload) return { accountName, pins, version: remoteVersion, dirty: false };

    const blob = await sealPinSet(env, { wrapKey, accountName, pins });
    try {
      const saved = await input.putRemote({ blob, baseVersion: remoteVersion });
      return { accountName, pins, version: saved.version, dirty: false };
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
      // Another browser saved first: what we hold still needs uploading once merged with theirs.
      version = remoteVersion;
      dirty = true;
    }
  }
}

/** GET /api/ring/pins: null until a browser of the account first saved its pins. */
export const fetchRemotePins: FetchRemotePins = async () =>
  (await apiRequest('/api/ring/pins', pinsResponseSchema)).pins;

/** PUT /api/ring/pins with compare-and-set on `baseVersion`; a stale one is refused with 'pins_conflict'. */
export const putRemotePins: PutRemotePins = async ({ blob, baseVersion }) => {
  const body: PutPinsRequest = { blob, baseVersion };
  return apiRequest('/api/ring/pins', putPinsResponseSchema, { method: 'PUT', body });
};
