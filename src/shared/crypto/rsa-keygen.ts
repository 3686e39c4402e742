import type { ForgePrng, RsaKeyPair } from 'node-forge/lib/forge.js';
import { isAllowedKeyBits, type KeyBits } from '../rules';
import type { CryptoEnv } from './crypto-env';
import { CryptoError } from './crypto-error';
import { binaryStringToBytes, bytesToBinaryString } from './forge-bytes';
import { RSA_PUBLIC_EXPONENT } from './public-key';

/** A fresh keypair as DER: what gets published (SPKI) and what gets backed up and imported (PKCS#8). */
export interface RsaKeyPairDer {
  /** SubjectPublicKeyInfo. */
  spki: Uint8Array<ArrayBuffer>;
  /** PKCS#8 PrivateKeyInfo. Secret: it never leaves the worker unencrypted. */
  pkcs8: Uint8Array<ArrayBuffer>;
  bits: KeyBits;
}

/**
 * - `webcrypto`: crypto.subtle.generateKey + exportKey; the platform's native prime search.
 * - `forge-js`: forge's own PRIMEINC search in JavaScript, stepped in slices; the last resort when there
 *   is no crypto.subtle (not a secure context).
 * generateRsaKeyPair tries them in this order. Paths only the benchmark measures live in bench/keygen/.
 */
export type KeygenPath = 'webcrypto' | 'forge-js';

export function assertAllowedKeyBits(bits: unknown): asserts bits is KeyBits {
  if (!isAllowedKeyBits(bits)) {
    throw new CryptoError('unsupported_key_size', `Unsupported RSA key size: ${String(bits)}.`);
  }
}

/** Encodes a forge keypair as SPKI and PKCS#8 DER. */
export function forgeKeyPairToDer(
  { forge }: Pick<CryptoEnv, 'forge'>,
  keypair: RsaKeyPair,
  bits: KeyBits,
): RsaKeyPairDer {
  const { asn1, pki } = forge;
  return {
    spki: binaryStringToBytes(asn1.toDer(pki.publicKeyToAsn1(keypair.publicKey)).getBytes()),
    pkcs8: binaryStringToBytes(
      asn1.toDer(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(keypair.privateKey))).getBytes(),
    ),
    bits,
  };
}

/** forge's PRNG interface over an injected byte source, so forge's own seeding is never relied on. */
export function forgePrng({ randomBytes }: Pick<CryptoEnv, 'randomBytes'>): ForgePrng {
  return { getBytesSync: (count) => bytesToBinaryString(randomBytes(count)) };
}

export interface ForgeJsOptions {
  /** Milliseconds of work between yields (default 50). */
  sliceMs?: number;
  /** Called after each slice, e.g. to report progress; awaited before the next slice. */
  onSlice?: (slice: number) => void | Promise<void>;
}

/**
 * forge's pure-JavaScript generator, run in slices so the worker stays able to answer other messages and
 * report progress. About ten times slower than the native path (see bench/keygen.ts).
 */
export async function generateWithForgeJs(
  env: Pick<CryptoEnv, 'forge' | 'randomBytes'>,
  bits: KeyBits,
  options: ForgeJsOptions = {},
): Promise<RsaKeyPairDer> {
  assertAllowedKeyBits(bits);
  const { forge } = env;
  const sliceMs = options.sliceMs ?? 50;
  const state = forge.pki.rsa.createKeyPairGenerationState(bits, RSA_PUBLIC_EXPONENT, {
    prng: forgePrng(env),
  });
  let slice = 0;
  while (!forge.pki.rsa.stepKeyPairGenerationState(state, sliceMs)) {
    slice += 1;
    await options.onSlice?.(slice);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
  return keysFromState(env, state.keys, bits);
}

/** The finished state's keys as DER; forge leaves `keys` null if stepping stopped early. */
export function keysFromState(
  env: Pick<CryptoEnv, 'forge'>,
  keys: RsaKeyPair | null,
  bits: KeyBits,
): RsaKeyPairDer {
  if (!keys) throw new CryptoError('keygen_failed', 'RSA key generation did not finish.');
  return forgeKeyPairToDer(env, keys, bits);
}

/**
 * WebCrypto alone. The algorithm named here only labels the temporary extractable key, which is dropped
 * after export; the exported DER is plain rsaEncryption and is re-imported for OAEP and PSS separately.
 */
export async function generateWithWebCrypto(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  bits: KeyBits,
): Promise<RsaKeyPairDer> {
  assertAllowedKeyBits(bits);
  const pair = await subtle.generateKey(
    {
      name: 'RSA-PSS',
      modulusLength: bits,
      publicExponent: new Uint8Array([0x01, 0x00, 0x01]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  );
  const [spki, pkcs8] = await Promise.all([
    subtle.exportKey('spki', pair.publicKey),
    subtle.exportKey('pkcs8', pair.privateKey),
  ]);
  return { spki: new Uint8Array(spki), pkcs8: new Uint8Array(pkcs8), bits };
}

/** `subtle` may be missing: browsers leave crypto.subtle undefined outside secure contexts. */
export type KeygenEnv = Pick<CryptoEnv, 'forge' | 'randomBytes'> & Partial<Pick<CryptoEnv, 'subtle'>>;

/**
 * The path Ringpost uses. In a browser worker, forge's callback form calls crypto.subtle.generateKey and
 * re-encodes the result with forge; calling the native generator directly does the same minus the
 * re-encoding. bench/keygen.ts, three passes of 15 runs, medians native vs forge: 1024 bits 9.8/10.8,
 * 11.7/12.5 and 10.4/10.4 ms; 2048 bits 55.7/62.4, 56.1/64.9 and 55.5/51.6 ms. The prime search's spread
 * swamps the difference, but the direct call is never more work, so it goes first ("keep the faster
 * one"). forge still parses and checks every key. Where there is no crypto.subtle at all, forge's
 * JavaScript generator runs in slices: 10–20× slower, but correct.
 */
export async function generateRsaKeyPair(
  env: KeygenEnv,
  bits: KeyBits,
  options: { onSlice?: (slice: number) => void | Promise<void> } = {},
): Promise<RsaKeyPairDer & { path: KeygenPath }> {
  const { subtle } = env;
  if (typeof subtle?.generateKey === 'function') {
    return { ...(await generateWithWebCrypto({ subtle }, bits)), path: 'webcrypto' };
  }
  return { ...(await generateWithForgeJs(env, bits, options)), path: 'forge-js' };
}
