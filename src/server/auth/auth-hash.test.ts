import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthHasher, scryptAsync, type Scrypt } from './auth-hash';

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
});
