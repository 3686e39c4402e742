import type { ForgePrng, ForgeRsaLib, RsaKeyPair } from 'node-forge/lib/forge';
import { isAllowedKeyBits, type KeyBits } from '../rules';
import { CryptoError } from './crypto-error';
import { binaryStringToBytes, bytesToBinaryString } from './forge-bytes';
import { RSA_PUBLIC_EXPONENT } from './public-key';
import type { RandomBytes } from './random';

/** A fresh keypair as DER: what gets published (SPKI) and what gets backed up and imported (PKCS#8). */
export interface RsaKeyPairDer {
  /** SubjectPublicKeyInfo. */
  spki: Uint8Array<ArrayBuffer>;
  /** PKCS#8 PrivateKeyInfo. Secret: it never leaves the worker unencrypted. */
  pkcs8: Uint8Array<ArrayBuffer>;
  bits: KeyBits;
}

/**
 * - `forge-native`: forge's callback form, which hands the prime search to the platform
 *   (crypto.subtle.generateKey in browsers and workers, node:crypto under Node) and re-encodes with forge.
 * - `webcrypto`: crypto.subtle.generateKey + exportKey, without forge.
 * - `forge-js`: forge's own PRIMEINC search in JavaScript, stepped in slices; the last resort when there
 *   is no crypto.subtle (not a secure context).
 * generateRsaKeyPair tries them in this order.
 */
export type KeygenPath = 'forge-native' | 'forge-js' | 'webcrypto';

export function assertAllowedKeyBits(bits: unknown): asserts bits is KeyBits {
  if (!isAllowedKeyBits(bits)) {
    throw new CryptoError('unsupported_key_size', `Unsupported RSA key size: ${String(bits)}.`);
  }
}

/** Encodes a forge keypair as SPKI and PKCS#8 DER. */
export function forgeKeyPairToDer(forge: ForgeRsaLib, keypair: RsaKeyPair, bits: KeyBits): RsaKeyPairDer {
  const { asn1, pki } = forge;
  return {
    spki: binaryStringToBytes(asn1.toDer(pki.publicKeyToAsn1(keypair.publicKey)).getBytes()),
    pkcs8: binaryStringToBytes(
      asn1.toDer(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(keypair.privateKey))).getBytes(),
    ),
    bits,
  };
}

/**
 * Whether forge's callback form will use a native generator. This mirrors forge's own detection: without
 * one it falls back to sub-workers loaded from `prime.worker.js`, a file a bundler does not serve, and
 * the callback never fires. Under Node forge also needs its PEM reader, which only the full package loads.
 */
export function forgeHasNativeKeygen(forge: ForgeRsaLib): boolean {
  if (forge.options.usePureJavaScript) return false;
  if (forge.util.isNodejs) return 'privateKeyFromPem' in forge.pki;
  const subtle = forge.util.globalScope.crypto?.subtle;
  return typeof subtle?.generateKey === 'function' && typeof subtle.exportKey === 'function';
}

/**
 * forge's callback form. `workerScript` (the URL of node-forge/dist/prime.worker.min.js) is only needed
 * when no native generator exists; without either this refuses rather than wait forever.
 */
export function generateWithForgeNative(
  forge: ForgeRsaLib,
  bits: KeyBits,
  options: { workerScript?: string } = {},
): Promise<RsaKeyPairDer> {
  assertAllowedKeyBits(bits);
  if (!forgeHasNativeKeygen(forge) && options.workerScript === undefined) {
    return Promise.reject(
      new CryptoError('keygen_unavailable', 'No native RSA generator here and no forge worker script.'),
    );
  }
  // In a browser forge asks crypto.subtle for an 'RSASSA-PKCS1-v1_5' key. That legacy scheme is only the
  // label of a throwaway key: forge exports it as plain rsaEncryption PKCS#8 and it is never used to sign.
  return new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair(
      { bits, e: RSA_PUBLIC_EXPONENT, workerScript: options.workerScript },
      (err, keypair) => {
        if (err || !keypair) {
          reject(new CryptoError('keygen_failed', 'RSA key generation failed.', { cause: err }));
          return;
        }
        // forge calls back from inside its own promise chain, which would swallow a throw.
        try {
          resolve(forgeKeyPairToDer(forge, keypair, bits));
        } catch (cause) {
          reject(new CryptoError('keygen_failed', 'The generated key could not be encoded.', { cause }));
        }
      },
    );
  });
}

/** forge's PRNG interface over an injected byte source, so forge's own seeding is never relied on. */
export function forgePrng(randomBytes: RandomBytes): ForgePrng {
  return { getBytesSync: (count) => bytesToBinaryString(randomBytes(count)) };
}

export interface ForgeJsOptions {
  randomBytes: RandomBytes;
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
  forge: ForgeRsaLib,
  bits: KeyBits,
  options: ForgeJsOptions,
): Promise<RsaKeyPairDer> {
  assertAllowedKeyBits(bits);
  const sliceMs = options.sliceMs ?? 50;
  const state = forge.pki.rsa.createKeyPairGenerationState(bits, RSA_PUBLIC_EXPONENT, {
    prng: forgePrng(options.randomBytes),
  });
  let slice = 0;
  while (!forge.pki.rsa.stepKeyPairGenerationState(state, sliceMs)) {
    slice += 1;
    await options.onSlice?.(slice);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
  return keysFromState(forge, state.keys, bits);
}

/** forge's synchronous pure-JavaScript form, blocking until done. For the benchmark only. */
export function generateWithForgeJsSync(
  forge: ForgeRsaLib,
  bits: KeyBits,
  randomBytes: RandomBytes,
): RsaKeyPairDer {
  assertAllowedKeyBits(bits);
  const state = forge.pki.rsa.createKeyPairGenerationState(bits, RSA_PUBLIC_EXPONENT, {
    prng: forgePrng(randomBytes),
  });
  forge.pki.rsa.stepKeyPairGenerationState(state, 0);
  return keysFromState(forge, state.keys, bits);
}

function keysFromState(forge: ForgeRsaLib, keys: RsaKeyPair | null, bits: KeyBits): RsaKeyPairDer {
  if (!keys) throw new CryptoError('keygen_failed', 'RSA key generation did not finish.');
  return forgeKeyPairToDer(forge, keys, bits);
}

/**
 * WebCrypto alone. The algorithm named here only labels the temporary extractable key, which is dropped
 * after export; the exported DER is plain rsaEncryption and is re-imported for OAEP and PSS separately.
 */
export async function generateWithWebCrypto(subtle: SubtleCrypto, bits: KeyBits): Promise<RsaKeyPairDer> {
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

export interface KeygenEnv {
  forge: ForgeRsaLib;
  /** Absent outside secure contexts. */
  subtle: SubtleCrypto | undefined;
  randomBytes: RandomBytes;
}

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
  if (typeof env.subtle?.generateKey === 'function') {
    return { ...(await generateWithWebCrypto(env.subtle, bits)), path: 'webcrypto' };
  }
  const onSlice = options.onSlice;
  return {
    ...(await generateWithForgeJs(env.forge, bits, { randomBytes: env.randomBytes, onSlice })),
    path: 'forge-js',
  };
}
