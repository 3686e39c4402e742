import type { ForgeRsaLib } from 'node-forge/lib/forge.js';
import { randomBytesFrom, type RandomBytes, type RandomValuesSource } from './random';

/**
 * What the crypto in this folder needs from its platform, passed in rather than reached for, so the same
 * functions run in the worker, under Node (tests and the server) and on the main thread. Each function
 * takes a `Pick` of only what it uses: main-thread callers never have to supply forge, which must stay
 * out of the main bundle.
 */
export interface CryptoEnv {
  subtle: SubtleCrypto;
  /** A cryptographically secure byte source; injected so tests can watch what is drawn. */
  randomBytes: RandomBytes;
  /** node-forge's RSA and ASN.1 parts (forge-lib.ts); only the worker and the server load them. */
  forge: ForgeRsaLib;
}

/** The platform's WebCrypto (browser, worker or Node's global `crypto`): everything but forge. */
export function webCryptoEnv(
  source: RandomValuesSource & { readonly subtle: SubtleCrypto },
): Pick<CryptoEnv, 'subtle' | 'randomBytes'> {
  return { subtle: source.subtle, randomBytes: randomBytesFrom(source) };
}
