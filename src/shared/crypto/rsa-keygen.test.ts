import { describe, expect, it } from 'vitest';
import { webCryptoEnv } from './crypto-env';
import { verifyNewKeyPair } from './verify-key-pair';
import { CryptoError } from './crypto-error';
import { forgeRsa } from './forge-lib';
import * as rsaKeygen from './rsa-keygen';
import {
  assertAllowedKeyBits,
  generateRsaKeyPair,
  generateWithForgeJs,
  generateWithWebCrypto,
  keysFromState,
  type RsaKeyPairDer,
} from './rsa-keygen';

const env = { ...webCryptoEnv(globalThis.crypto), forge: forgeRsa };

/** A usable Ringpost key: strict SPKI of the right size, matching PKCS#8, working OAEP and PSS. */
async function expectGoodKey(keys: RsaKeyPairDer, bits: number) {
  expect(keys.bits).toBe(bits);
  await verifyNewKeyPair(env, keys);
}

describe('RSA key generation', () => {
  it('accepts only 1024, 2048 and 3072 bits', async () => {
    for (const bits of [1024, 2048, 3072]) expect(() => assertAllowedKeyBits(bits)).not.toThrow();
    for (const bits of [512, 1023, 4096, '1024', undefined]) {
      expect(() => assertAllowedKeyBits(bits)).toThrow(CryptoError);
    }
    expect(() => assertAllowedKeyBits(4096)).toThrow('Unsupported RSA key size: 4096.');
    // @ts-expect-error: 4096 is not a KeyBits, and is refused at run time too
    await expect(generateWithWebCrypto(env, 4096)).rejects.toMatchObject({ code: 'unsupported_key_size' });
  });

  it('forge pure JavaScript in slices, reporting each slice', async () => {
    const slices: number[] = [];
    const keys = await generateWithForgeJs(env, 1024, {
      sliceMs: 1,
      onSlice: (slice) => {
        slices.push(slice);
      },
    });
    await expectGoodKey(keys, 1024);
    // Numbered from 1, one more each time, so a progress display can count them.
    expect(slices).toEqual(slices.map((_, index) => index + 1));
    expect(slices.length).toBeGreaterThan(0);
  });

  it('refuses a generation state that stopped before it had keys', () => {
    expect(() => keysFromState(env, null, 1024)).toThrow(
      new CryptoError('keygen_failed', 'RSA key generation did not finish.'),
    );
  });

  it('forge pure JavaScript draws its randomness from the injected source', async () => {
    let drawn = 0;
    await generateWithForgeJs(
      {
        forge: forgeRsa,
        randomBytes: (length) => {
          drawn += length;
          return env.randomBytes(length);
        },
      },
      1024,
    );
    expect(drawn).toBeGreaterThan(0);
  });

  it('WebCrypto generateKey + export', async () => {
    await expectGoodKey(await generateWithWebCrypto(env, 1024), 1024);
    await expectGoodKey(await generateWithWebCrypto(env, 3072), 3072);
  });

  it('generateRsaKeyPair uses the native generator directly, and forge in JavaScript without WebCrypto', async () => {
    const web = await generateRsaKeyPair(env, 1024);
    expect(web.path).toBe('webcrypto');
    await expectGoodKey(web, 1024);

    // As in a page served outside a secure context, where crypto.subtle is undefined.
    const js = await generateRsaKeyPair({ forge: forgeRsa, randomBytes: env.randomBytes }, 1024);
    expect(js.path).toBe('forge-js');
    await expectGoodKey(js, 1024);
  });

  it('ships only the paths the app uses; the benchmark keeps its own in bench/keygen', () => {
    const exported = Object.keys(rsaKeygen);
    for (const benchOnly of ['generateWithForgeNative', 'forgeHasNativeKeygen', 'generateWithForgeJsSync']) {
      expect(exported).not.toContain(benchOnly);
    }
  });
});
