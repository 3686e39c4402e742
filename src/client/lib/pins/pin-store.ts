import { parsePinSet } from '../../../shared/crypto/pin-blob';
import { ringpostDb } from '../db';
import type { LocalPins } from './pin-sync';

// This browser's copy of the pins, in IndexedDB (db.ts, store `pins`, since version 2). It is what every
// check reads, so the alarm works without the wrap key and without the network; the server's sealed copy
// only carries pins between the user's browsers.

export type { LocalPins } from './pin-sync';

/** The stored copy, checked field by field as any copy read back is: a corrupt one fails loudly. */
export async function loadLocalPins(accountName: string): Promise<LocalPins | null> {
  const stored = await (await ringpostDb()).get('pins', accountName);
  return stored ? { ...stored, pins: parsePinSet(stored.pins) } : null;
}

export async function saveLocalPins(record: LocalPins): Promise<void> {
  await (await ringpostDb()).put('pins', record);
}
