import { generateKeyPair, type KeyObject } from 'node:crypto';
import { toBase64Url } from '../shared/crypto/encoding';
import { fingerprintSpki } from '../shared/crypto/fingerprint';
import {
  assignPoolDecoy,
  countPoolDecoys,
  deletePoolDecoysNotOfSize,
  findDecoyByName,
  insertAssignedDecoy,
  insertPoolDecoys,
  type DecoyKeyMaterial,
} from './db/directory';
import type { Db } from './db/schema';

// Decoy keys (DESIGN §5): a directory look-up of a name nobody holds answers with the public half of a
// real RSA key, made exactly as a browser makes one (e = 65537, SPKI DER, the same fingerprint), so it
// cannot be told from a real key. The private half is never exported or stored: it is dropped here.

/** Makes decoy keys; injected, so tests can count calls and the server can share one. */
export interface DecoyKeyGenerator {
  generate(bits: number): Promise<DecoyKeyMaterial>;
}

/** An RSA public key, made off the event loop (node:crypto's async form runs in libuv's thread pool). */
function rsaPublicKey(bits: number): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: bits, publicExponent: 65_537 }, (error, publicKey) => {
      // The private key object is not kept: once this callback returns nothing refers to it.
      if (error) reject(error);
      else resolve(publicKey);
    });
  });
}

export function rsaDecoyKeyGenerator(): DecoyKeyGenerator {
  return {
    async generate(bits) {
      const publicKey = await rsaPublicKey(bits);
      const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      return {
        publicKey: toBase64Url(spki),
        fingerprint: await fingerprintSpki(crypto, spki),
        keyBits: bits,
      };
    },
  };
}

/**
 * The decoy key for `name`, giving it one on first use: its own if it has one, else one from the pool,
 * else one made now. Called for every name looked up, real or not, so both cost the same.
 */
export async function decoyFor(
  db: Db,
  generator: DecoyKeyGenerator,
  request: { name: string; bits: number; now: number },
): Promise<DecoyKeyMaterial> {
  const { name, bits, now } = request;
  const held = await findDecoyByName(db, name);
  if (held) return held;
  const pooled = await assignPoolDecoy(db, name, bits, now);
  if (pooled) return pooled;
  return insertAssignedDecoy(db, name, await generator.generate(bits), now);
}

export interface RefillOptions {
  /** Unassigned keys to keep. */
  size: number;
  bits: number;
  now: () => number;
  /**
   * Keys made at once. RSA generation runs in libuv's thread pool (4 threads by default), which sign-in's
   * scrypt and file I/O share: two at a time leaves them room.
   */
  batch?: number;
  /** Stops between batches (at shutdown). */
  signal?: AbortSignal;
}

/** Tops the pool up to `size` unassigned keys of `bits` bits, a few at a time; returns how many it made. */
export async function refillDecoyPool(
  db: Db,
  generator: DecoyKeyGenerator,
  options: RefillOptions,
): Promise<number> {
  const { size, bits, now, batch = 2, signal } = options;
  await deletePoolDecoysNotOfSize(db, bits);
  let missing = size - (await countPoolDecoys(db, bits));
  let made = 0;
  while (missing > 0 && !signal?.aborted) {
    const count = Math.min(batch, missing);
    const keys = await Promise.all(Array.from({ length: count }, () => generator.generate(bits)));
    await insertPoolDecoys(db, keys, now());
    missing -= count;
    made += count;
  }
  return made;
}
