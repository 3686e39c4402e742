import { generateKeyPairSync } from 'node:crypto';
import { webCryptoEnv } from '../../shared/crypto/crypto-env';
import { toBase64Url } from '../../shared/crypto/encoding';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';
import { sealKeyBackup, type KeyBackupV1 } from '../../shared/crypto/key-backup';
import type { ActivateRequest } from '../../shared/protocol/identity';
import type { KeyBits } from '../../shared/rules';

// What the browser uploads at activation, made in Node with real keys: shared by the API tests and the
// end-to-end fixture (which must not load the test runner's own modules, so this file imports none).

/**
 * An RSA keypair (e = 65537), its fingerprint, and the PKCS#8 sealed under `wrapKey` for `accountName`,
 * exactly as the crypto worker seals it; the server cannot open the backup, and never tries.
 */
export async function activationRequest(
  accountName: string,
  wrapKey: CryptoKey,
  keyBits: KeyBits = 1024,
): Promise<{
  request: ActivateRequest & { fingerprint: string; keyBits: KeyBits; backup: KeyBackupV1 };
  pkcs8: Uint8Array;
}> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: keyBits,
    publicExponent: 65_537,
  });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  const fingerprint = await fingerprintSpki(crypto, spki);
  const backup = await sealKeyBackup(webCryptoEnv(crypto), { accountName, fingerprint, wrapKey, pkcs8 });
  return { request: { publicKey: toBase64Url(spki), fingerprint, keyBits, backup }, pkcs8 };
}
