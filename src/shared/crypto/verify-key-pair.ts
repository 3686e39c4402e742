import type { CryptoEnv } from './crypto-env';
import { CryptoError } from './crypto-error';
import { bytesEqual } from './encoding';
import { inspectRsaPublicKey, publicKeyFromPkcs8, RSA_PUBLIC_EXPONENT } from './public-key';
import type { RsaKeyPairDer } from './rsa-keygen';
import {
  checkKeyPair,
  importRsaPrivateKeys,
  importRsaPublicKeys,
  type RsaPrivateKeys,
} from './webcrypto-keys';

/**
 * Proves a freshly made keypair is one Ringpost can publish: strict SPKI of the size asked for with
 * e = 65537, a PKCS#8 whose public half is exactly that SPKI, and an OAEP and a PSS round trip. Publish
 * nothing that does not work: a broken key would lose every message sent to it. Returns the private keys,
 * imported non-extractable.
 */
export async function verifyNewKeyPair(
  env: Pick<CryptoEnv, 'forge' | 'subtle' | 'randomBytes'>,
  keys: Pick<RsaKeyPairDer, 'spki' | 'pkcs8' | 'bits'>,
): Promise<RsaPrivateKeys> {
  const { bits, exponent } = inspectRsaPublicKey(env, keys.spki);
  if (bits !== keys.bits || exponent !== RSA_PUBLIC_EXPONENT) {
    throw new CryptoError('keygen_failed', 'The generated key has the wrong size or exponent.');
  }
  if (!bytesEqual(publicKeyFromPkcs8(env, keys.pkcs8), keys.spki)) {
    throw new CryptoError('key_mismatch', 'The private key does not belong to the public key.');
  }
  const privateKeys = await importRsaPrivateKeys(env, keys.pkcs8);
  await checkKeyPair(env, privateKeys, await importRsaPublicKeys(env, keys.spki));
  return privateKeys;
}
