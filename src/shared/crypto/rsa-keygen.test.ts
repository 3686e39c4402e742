import 'node-forge'; // the full package: forge's Node native path reads PEM, which lib/rsa alone lacks
import { describe, expect, it } from 'vitest';
import { CryptoError } from './crypto-error';
import { forgeRsa } from './forge-lib';
import { inspectRsaPublicKey, publicKeyFromPkcs8 } from './public-key';
import { randomBytesFrom } from './random';
import {
  assertAllowedKeyBits,
  generateRsaKeyPair,
  generateWithForgeJs,
  generateWithForgeJsSync,
  generateWithForgeNative,
  generateWithWebCrypto,
  type RsaKeyPairDer,
} from './rsa-keygen';
import { checkKeyPair, importRsaPrivateKeys, importRsaPublicKeys } from './webcrypto-keys';

const { subtle } = globalThis.crypto;
const randomBytes = randomBytesFrom(globalThis.crypto);

/** A usable Ringpost key: strict SPKI of the right size, matching PKCS#8, working OAEP and PSS. */
async function expectGoodKey(keys: RsaKeyPairDer, bits: number) {
  expect(keys.bits).toBe(bits);
  expect(inspectRsaPublicKey(forgeRsa, keys.spki)).toEqual({ bits, exponent: 65_537 });
  expect(publicKeyFromPkcs8(forgeRsa, keys.pkcs8)).toEqual(keys.spki);
  const privateKeys = await importRsaPrivateKeys(subtle, keys.pkcs8);
  await checkKeyPair(subtle, randomBytes, privateKeys, await importRsaPublicKeys(subtle, keys.spki));
}

describe('RSA key generation', () => {
  it('accepts only 1024, 2048 and 3072 bits', async () => {
    for (const bits of [1024, 2048, 3072]) expect(() => assertAllowedKeyBits(bits)).not.toThrow();
    for (const bits of [512, 1023, 4096, '1024', undefined]) {
      expect(() => assertAllowedKeyBits(bits)).toThrow(CryptoError);
    }
    // @ts-expect-error: 4096 is not a KeyBits, and is refused at run time too
    await expect(generateWithWebCrypto(subtle, 4096)).rejects.toMatchObject({ code: 'unsupported_key_size' });
  });

  it('forge callback form (native generator)', async () => {
    await expectGoodKey(await generateWithForgeNative(forgeRsa, 1024), 1024);
    await expectGoodKey(await generateWithForgeNative(forgeRsa, 2048), 2048);
  });

  it('forge pure JavaScript, synchronous and in slices', async () => {
    await expectGoodKey(generateWithForgeJsSync(forgeRsa, 1024, randomBytes), 1024);
    const slices: number[] = [];
    const keys = await generateWithForgeJs(forgeRsa, 1024, {
      randomBytes,
      sliceMs: 1,
      onSlice: (slice) => {
        slices.push(slice);
      },
    });
    await expectGoodKey(keys, 1024);
    expect(slices.length).toBeGreaterThan(0);
  });

  it('forge pure JavaScript draws its randomness from the injected source', () => {
    let drawn = 0;
    generateWithForgeJsSync(forgeRsa, 1024, (length) => {
      drawn += length;
      return randomBytes(length);
    });
    expect(drawn).toBeGreaterThan(0);
  });

  it('WebCrypto generateKey + export', async () => {
    await expectGoodKey(await generateWithWebCrypto(subtle, 1024), 1024);
    await expectGoodKey(await generateWithWebCrypto(subtle, 3072), 3072);
  });

  it('generateRsaKeyPair uses the native generator directly, and forge in JavaScript without WebCrypto', async () => {
    const web = await generateRsaKeyPair({ forge: forgeRsa, subtle, randomBytes }, 1024);
    expect(web.path).toBe('webcrypto');
    await expectGoodKey(web, 1024);

    const js = await generateRsaKeyPair({ forge: forgeRsa, subtle: undefined, randomBytes }, 1024);
    expect(js.path).toBe('forge-js');
    await expectGoodKey(js, 1024);
  });

  it('forge with a native generator makes correct keys too (the path the benchmark compares)', async () => {
    const native = await generateWithForgeNative(forgeRsa, 1024);
    await expectGoodKey(native, 1024);
  });

  it("forge's callback form refuses instead of hanging when it has no native generator", async () => {
    forgeRsa.options.usePureJavaScript = true;
    try {
      await expect(generateWithForgeNative(forgeRsa, 1024)).rejects.toMatchObject({
        code: 'keygen_unavailable',
      });
    } finally {
      forgeRsa.options.usePureJavaScript = false;
    }
  });
});
