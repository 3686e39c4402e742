import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webCryptoEnv } from './crypto-env';
import { forgeRsa } from './forge-lib';
import type { RsaKeyPairDer } from './rsa-keygen';
import { verifyNewKeyPair } from './verify-key-pair';
import { checkKeyPair, importRsaPrivateKeys, importRsaPublicKeys } from './webcrypto-keys';

// The last gate before a new key is published (activation): every way a key can be wrong must stop here,
// because a broken published key loses every message sent to it. Keys are real, made by Node.

const env = { ...webCryptoEnv(globalThis.crypto), forge: forgeRsa };

function nodeKeyPair(bits: number, publicExponent = 65_537): RsaKeyPairDer {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent });
  return {
    bits: bits as RsaKeyPairDer['bits'],
    spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    pkcs8: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
  };
}

describe('verifying a new keypair before it is published', () => {
  const good = nodeKeyPair(1024);

  it('passes a good pair and hands back private keys no script can export', async () => {
    const keys = await verifyNewKeyPair(env, good);
    expect(keys.decryptKey.extractable).toBe(false);
    expect(keys.signKey.extractable).toBe(false);
    expect(keys.decryptKey.algorithm.name).toBe('RSA-OAEP');
    expect(keys.signKey.algorithm.name).toBe('RSA-PSS');
  });

  it('refuses a key of another size than was asked for', async () => {
    await expect(verifyNewKeyPair(env, { ...good, bits: 2048 })).rejects.toMatchObject({
      code: 'keygen_failed',
      message: 'The generated key has the wrong size or exponent.',
    });
  });

  it('refuses a public exponent other than 65537, at the right size', async () => {
    const three = nodeKeyPair(1024, 3);
    await expect(verifyNewKeyPair(env, three)).rejects.toMatchObject({ code: 'keygen_failed' });
  });

  it('refuses a private key that belongs to another public key', async () => {
    const other = nodeKeyPair(1024);
    await expect(verifyNewKeyPair(env, { ...good, pkcs8: other.pkcs8 })).rejects.toMatchObject({
      code: 'key_mismatch',
      message: 'The private key does not belong to the public key.',
    });
  });

  it('fails the self-test when the private keys are not the public key’s', async () => {
    const other = nodeKeyPair(1024);
    const privateKeys = await importRsaPrivateKeys(env, other.pkcs8);
    await expect(
      checkKeyPair(env, privateKeys, await importRsaPublicKeys(env, good.spki)),
    ).rejects.toMatchObject({
      code: 'key_self_test_failed',
    });
    // The matching halves pass.
    await expect(
      checkKeyPair(
        env,
        await importRsaPrivateKeys(env, good.pkcs8),
        await importRsaPublicKeys(env, good.spki),
      ),
    ).resolves.toBeUndefined();
  });

  it('refuses a private key that is not PKCS#8, saying so', async () => {
    await expect(importRsaPrivateKeys(env, good.spki)).rejects.toMatchObject({
      code: 'invalid_private_key',
      message: 'The private key could not be imported.',
    });
  });
});
