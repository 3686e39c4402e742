import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CryptoError } from './crypto-error';
import { fingerprintSpki, formatFingerprint, isFingerprint } from './fingerprint';
import { TEST_RSA_1024_FINGERPRINT, TEST_RSA_1024_SPKI_BASE64 } from './test-vectors';

const { subtle } = globalThis.crypto;
const spki = new Uint8Array(Buffer.from(TEST_RSA_1024_SPKI_BASE64, 'base64'));

describe('fingerprintSpki', () => {
  it('matches the SHA-256 that OpenSSL computed for the fixed key', async () => {
    expect(await fingerprintSpki({ subtle }, spki)).toBe(TEST_RSA_1024_FINGERPRINT);
  });

  it('agrees with node:crypto on other inputs', async () => {
    for (const bytes of [new Uint8Array(0), spki.subarray(1), crypto.getRandomValues(new Uint8Array(300))]) {
      expect(await fingerprintSpki({ subtle }, bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});

describe('formatFingerprint', () => {
  it('shows 16 groups of four lowercase hex digits separated by single spaces', () => {
    const formatted = formatFingerprint(TEST_RSA_1024_FINGERPRINT);
    expect(formatted).toBe('dd04 bfb8 3f28 0745 ae36 937b a283 70cd 3f95 6f92 f863 cb80 1c24 b02a 1b17 eed2');
    expect(formatted).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/);
  });

  it('refuses anything that is not 64 lowercase hex digits', () => {
    for (const bad of [
      '',
      TEST_RSA_1024_FINGERPRINT.toUpperCase(),
      TEST_RSA_1024_FINGERPRINT.slice(1),
      'g'.repeat(64),
      `${TEST_RSA_1024_FINGERPRINT}0`,
      `x${TEST_RSA_1024_FINGERPRINT}`,
      `${TEST_RSA_1024_FINGERPRINT}\n`,
    ]) {
      expect(isFingerprint(bad)).toBe(false);
      expect(() => formatFingerprint(bad)).toThrow(
        expect.objectContaining({
          code: 'invalid_fingerprint',
          message: 'A fingerprint is 64 lowercase hex digits.',
        }) as CryptoError,
      );
    }
    for (const notText of [null, undefined, 64, ['a'.repeat(64)]]) expect(isFingerprint(notText)).toBe(false);
    expect(isFingerprint(TEST_RSA_1024_FINGERPRINT)).toBe(true);
  });
});
