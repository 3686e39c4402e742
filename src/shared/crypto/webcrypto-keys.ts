import type { CryptoEnv } from './crypto-env';
import { CryptoError } from './crypto-error';

// Per-message RSA work runs on WebCrypto keys: 30–50× faster than forge (TOOLCHAIN.md), and a
// non-extractable private key can be used by script on the page but never read out of it. Every RSA
// operation names its padding: OAEP with SHA-256 and PSS with SHA-256 and a 32-byte salt. PKCS#1 v1.5
// (forge's default for both) is never used.

export const RSA_OAEP_SHA256 = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;
export const RSA_PSS_SHA256 = { name: 'RSA-PSS', hash: 'SHA-256' } as const;
/** Salt length equal to the hash length, as RFC 8017 recommends and DESIGN §4 fixes. */
export const PSS_SALT_LENGTH = 32;

export const OAEP_PARAMS = { name: 'RSA-OAEP' } as const;
export const PSS_PARAMS = { name: 'RSA-PSS', saltLength: PSS_SALT_LENGTH } as const;

export interface RsaPrivateKeys {
  /** RSA-OAEP-SHA-256, usages decrypt and unwrapKey; non-extractable. */
  decryptKey: CryptoKey;
  /** RSA-PSS-SHA-256, usage sign; non-extractable. */
  signKey: CryptoKey;
}

export interface RsaPublicKeys {
  /** RSA-OAEP-SHA-256, usages encrypt and wrapKey. */
  encryptKey: CryptoKey;
  /** RSA-PSS-SHA-256, usage verify. */
  verifyKey: CryptoKey;
}

/**
 * Imports one PKCS#8 key twice, once per scheme: WebCrypto binds a key to one algorithm, and one key per
 * purpose keeps a decryption oracle from ever being a signing oracle.
 */
export async function importRsaPrivateKeys(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  pkcs8: Uint8Array,
): Promise<RsaPrivateKeys> {
  const der = new Uint8Array(pkcs8);
  try {
    const [decryptKey, signKey] = await Promise.all([
      subtle.importKey('pkcs8', der, RSA_OAEP_SHA256, false, ['decrypt', 'unwrapKey']),
      subtle.importKey('pkcs8', der, RSA_PSS_SHA256, false, ['sign']),
    ]);
    return { decryptKey, signKey };
  } catch (cause) {
    throw new CryptoError('invalid_private_key', 'The private key could not be imported.', { cause });
  } finally {
    der.fill(0);
  }
}

export async function importRsaPublicKeys(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  spki: Uint8Array,
): Promise<RsaPublicKeys> {
  const der = new Uint8Array(spki);
  try {
    const [encryptKey, verifyKey] = await Promise.all([
      // Not extractable: whoever imports a public key already holds its bytes, and nothing exports one.
      subtle.importKey('spki', der, RSA_OAEP_SHA256, false, ['encrypt', 'wrapKey']),
      subtle.importKey('spki', der, RSA_PSS_SHA256, false, ['verify']),
    ]);
    return { encryptKey, verifyKey };
  } catch (cause) {
    throw new CryptoError('invalid_public_key', 'The public key could not be imported.', { cause });
  }
}

/**
 * Pairwise consistency test: proves the private keys belong to `publicKeys` before anything is published
 * or trusted, with one OAEP round trip and one PSS signature (well under a millisecond at 1024 bits).
 */
export async function checkKeyPair(
  { subtle, randomBytes }: Pick<CryptoEnv, 'subtle' | 'randomBytes'>,
  privateKeys: RsaPrivateKeys,
  publicKeys: RsaPublicKeys,
): Promise<void> {
  const probe = randomBytes(32);
  let ok: boolean;
  try {
    const ciphertext = await subtle.encrypt(OAEP_PARAMS, publicKeys.encryptKey, probe);
    const plain = new Uint8Array(await subtle.decrypt(OAEP_PARAMS, privateKeys.decryptKey, ciphertext));
    const signature = await subtle.sign(PSS_PARAMS, privateKeys.signKey, probe);
    ok =
      plain.length === probe.length &&
      plain.every((byte, i) => byte === probe[i]) &&
      (await subtle.verify(PSS_PARAMS, publicKeys.verifyKey, signature, probe));
  } catch (cause) {
    throw new CryptoError('key_self_test_failed', 'The private key does not match the public key.', {
      cause,
    });
  }
  if (!ok) throw new CryptoError('key_self_test_failed', 'The private key does not match the public key.');
}
