import { hkdfSync, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accountSalt, deriveAccountKeys, deriveMasterKeyBits, WeakKdfError } from './account-keys';
import { fromBase64Url, toHex } from './encoding';

const env = { subtle: globalThis.crypto.subtle };
const ITERATIONS = 600_000;

describe('host-proof account keys', () => {
  it('derives the master key with PBKDF2-SHA-256 over a salt made from the normalized name', async () => {
    const master = await deriveMasterKeyBits(env, 'Alice', 'correct horse battery staple', ITERATIONS);
    const expected = pbkdf2Sync(
      'correct horse battery staple',
      'ringpost/account/v1/alice',
      ITERATIONS,
      32,
      'sha256',
    );
    expect(toHex(master)).toBe(expected.toString('hex'));
    expect(new TextDecoder().decode(accountSalt('ＡＬＩＣＥ'))).toBe('ringpost/account/v1/alice');
  });

  it('splits it with HKDF into an auth key to send and a wrap key that cannot be read', async () => {
    const password = 'correct horse battery staple';
    const { authKey, wrapKey } = await deriveAccountKeys(env, 'alice', password, ITERATIONS);
    const master = pbkdf2Sync(password, 'ringpost/account/v1/alice', ITERATIONS, 32, 'sha256');
    const expectedAuth = Buffer.from(
      hkdfSync('sha256', master, Buffer.alloc(32), 'ringpost/auth-key/v1', 32),
    );
    expect(Buffer.from(fromBase64Url(authKey)).toString('hex')).toBe(expectedAuth.toString('hex'));
    expect(authKey).not.toContain(master.toString('base64url'));
    expect(wrapKey.extractable).toBe(false);
    expect(wrapKey.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    await expect(env.subtle.exportKey('raw', wrapKey)).rejects.toThrow();
  });

  it('gives different keys to different accounts with the same password', async () => {
    const a = await deriveAccountKeys(env, 'alice', 'same password!', ITERATIONS);
    const b = await deriveAccountKeys(env, 'bob', 'same password!', ITERATIONS);
    expect(a.authKey).not.toBe(b.authKey);
  });

  it('refuses an iteration count below the floor, whoever asks', async () => {
    await expect(deriveAccountKeys(env, 'alice', 'password', 1_000)).rejects.toBeInstanceOf(WeakKdfError);
    await expect(deriveAccountKeys(env, 'alice', 'password', Number.NaN)).rejects.toBeInstanceOf(
      WeakKdfError,
    );
    await expect(deriveAccountKeys(env, 'alice', 'password', 1_000)).rejects.toMatchObject({
      name: 'WeakKdfError',
      message: 'Refusing 1000 PBKDF2 iterations; at least 600000 are required.',
    });
  });
});
