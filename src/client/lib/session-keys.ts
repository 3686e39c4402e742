import { useSyncExternalStore } from 'react';

// The wrap key lives only in this tab's memory: it is derived from the password at sign-in and is gone on
// sign-out or reload. It is a non-extractable CryptoKey, so even code running here cannot read its bytes.

let wrapKey: CryptoKey | null = null;
const listeners = new Set<() => void>();

export function setWrapKey(key: CryptoKey | null): void {
  wrapKey = key;
  for (const listener of listeners) listener();
}

export function getWrapKey(): CryptoKey | null {
  return wrapKey;
}

export function subscribeWrapKey(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The wrap key as React state: re-renders when it is set at sign-in or dropped at sign-out. */
export function useWrapKey(): CryptoKey | null {
  return useSyncExternalStore(subscribeWrapKey, getWrapKey);
}
