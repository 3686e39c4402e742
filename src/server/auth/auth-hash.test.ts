import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthHasher, hashAuthKey, scryptAsync, verifyAuthKey, type Scrypt } from './auth-hash';

const authKey = () => randomBytes(32).toString('base64url');

function countingScrypt(): Scrypt & { runs: number } {
  const counted = Object.assign(
    (...args: Parameters<Scrypt>) => {
      counted.runs += 1;
      return scryptAsync(...args);
    },
    { runs: 0 },
  );
  return counted;
}

describe('the auth-key hasher', () => {
  it('makes its decoy hash at start, so the first unknown-name check costs one scrypt run like any other', async () => {
    const kdf = countingScrypt();
    const hasher = await createAuthHasher(kdf);
    expect(kdf.runs).toBe(1);
    expect(await hasher.verify(authKey(), null)).toBe(false);
    expect(kdf.runs).toBe(2);
    expect(await hasher.verify(authKey(), null)).toBe(false);
    expect(kdf.runs).toBe(3);
  });

  it('verifies the right key, refuses a wrong one, and stores parameters with a random salt', async () => {
    const hasher = await createAuthHasher();
    const key = authKey();
    const stored = await hasher.hash(key);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await hasher.hash(key)).not.toBe(stored);
    expect(await hasher.verify(key, stored)).toBe(true);
    expect(await hasher.verify(authKey(), stored)).toBe(false);
    expect(await hasher.verify(key, 'not-a-hash')).toBe(false);
  });

  it('never lets an unknown name in, even with a key that matches the decoy', async () => {
    // A scrypt that answers the same bytes for every key: every check matches, the decoy's too.
    const constant: Scrypt = (_secret, _salt, keyLength) => Promise.resolve(Buffer.alloc(keyLength, 7));
    const hasher = await createAuthHasher(constant);
    expect(await hasher.verify(authKey(), await hasher.hash(authKey()))).toBe(true);
    expect(await hasher.verify(authKey(), null)).toBe(false);
  });

  it('answers false, without throwing, when the scrypt in use gives a hash of another length', async () => {
    const ones: Scrypt = (_secret, _salt, keyLength) => Promise.resolve(Buffer.alloc(keyLength, 1));
    const stored = await hashAuthKey(authKey(), ones);
    const short: Scrypt = (_secret, _salt, keyLength) => Promise.resolve(Buffer.alloc(keyLength - 1, 1));
    await expect(verifyAuthKey(authKey(), stored, short)).resolves.toBe(false);
  });
});

describe('stored auth hashes', () => {
  const key = authKey();
  const stringFor = async (salt: Buffer, N = 1_024, r = 8, p = 1) => {
    const hash = await scryptAsync(key, salt, 32, { N, r, p });
    return { hash, text: ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$') };
  };

  it('reads the parameters from the stored string, so rows made with older settings still verify', async () => {
    const { text } = await stringFor(randomBytes(16), 1_024, 4, 2);
    expect(await verifyAuthKey(key, text)).toBe(true);
    // The same hash under other parameters is another hash.
    expect(await verifyAuthKey(key, text.replace('$1024$4$2$', '$2048$4$2$'))).toBe(false);
    expect(await verifyAuthKey(key, text.replace('$1024$4$2$', '$1024$8$2$'))).toBe(false);
    expect(await verifyAuthKey(key, text.replace('$1024$4$2$', '$1024$4$1$'))).toBe(false);
  });

  it('refuses a row of another scheme, or one without its salt or hash, even when the bytes would match', async () => {
    const { text } = await stringFor(randomBytes(16));
    expect(await verifyAuthKey(key, text)).toBe(true);
    expect(await verifyAuthKey(key, text.replace(/^scrypt/, 'bcrypt'))).toBe(false);
    const unsalted = await stringFor(Buffer.alloc(0));
    expect(unsalted.text).toContain('$$');
    expect(await verifyAuthKey(key, unsalted.text)).toBe(false);
    expect(await verifyAuthKey(key, `${text.slice(0, text.lastIndexOf('$'))}$`)).toBe(false);
  });

  it('hashes with N = 2¹⁴, r = 8, p = 1, a 16-byte salt and a 32-byte hash', async () => {
    const [scheme, n, r, p, salt, hash] = (await hashAuthKey(key)).split('$');
    expect([scheme, n, r, p]).toEqual(['scrypt', '16384', '8', '1']);
    expect(Buffer.from(salt ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(hash ?? '', 'base64')).toHaveLength(32);
    const expected = await scryptAsync(key, Buffer.from(salt ?? '', 'base64'), 32, { N: 16_384, r: 8, p: 1 });
    expect(hash).toBe(expected.toString('base64'));
  });
});
