import 'node-forge'; // the full package: forge's Node native path reads PEM, which lib/rsa alone lacks
import { describe, expect, it } from 'vitest';
import { webCryptoEnv } from '../../src/shared/crypto/crypto-env';
import { verifyNewKeyPair } from '../../src/shared/crypto/verify-key-pair';
import { forgeRsa } from '../../src/shared/crypto/forge-lib';
import type { RsaKeyPairDer } from '../../src/shared/crypto/rsa-keygen';
import { generateWithForgeJsSync, generateWithForgeNative } from './forge-keygen';

// The benchmark's own paths must make correct keys, or its figures compare nothing.

const env = { ...webCryptoEnv(globalThis.crypto), forge: forgeRsa };

async function expectGoodKey(keys: RsaKeyPairDer, bits: number) {
  expect(keys.bits).toBe(bits);
  await verifyNewKeyPair(env, keys);
}

describe('bench-only key generation paths', () => {
  it('forge callback form (native generator)', async () => {
    await expectGoodKey(await generateWithForgeNative(env, 1024), 1024);
    await expectGoodKey(await generateWithForgeNative(env, 2048), 2048);
  });

  it('forge pure JavaScript, synchronous, drawing from the injected source', async () => {
    let drawn = 0;
    const keys = generateWithForgeJsSync(
      {
        forge: forgeRsa,
        randomBytes: (length) => {
          drawn += length;
          return env.randomBytes(length);
        },
      },
      1024,
    );
    await expectGoodKey(keys, 1024);
    expect(drawn).toBeGreaterThan(0);
  });

  it("forge's callback form refuses instead of hanging when it has no native generator", async () => {
    forgeRsa.options.usePureJavaScript = true;
    try {
      await expect(generateWithForgeNative(env, 1024)).rejects.toMatchObject({ code: 'keygen_unavailable' });
    } finally {
      forgeRsa.options.usePureJavaScript = false;
    }
  });
});
