import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// The auth key is already a 256-bit HKDF output of 600,000 PBKDF2 rounds, so the server's hash is a
// second line: if the table leaks, it cannot be replayed as a login. scrypt's parameters travel in the
// stored string so they can be raised later without breaking old rows.

const PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

/** scrypt as a promise; a parameter of the hashing functions so a test can count the runs. */
export type Scrypt = (
  secret: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
) => Promise<Buffer>;

export const scryptAsync: Scrypt = function scryptAsync(
  secret: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
};

export async function hashAuthKey(authKey: string, kdf: Scrypt = scryptAsync): Promise<string> {
  const salt = randomBytes(16);
  const hash = await kdf(authKey, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyAuthKey(
  authKey: string,
  stored: string,
  kdf: Scrypt = scryptAsync,
): Promise<boolean> {
  const [scheme, n, r, p, saltText, hashText] = stored.split('$');
  if (scheme !== 'scrypt' || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64');
  const actual = await kdf(authKey, Buffer.from(saltText, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The server's use of the slow hash, as an interface so tests can count and time what runs. */
export interface AuthHasher {
  hash(authKey: string): Promise<string>;
  /**
   * Checks `authKey` against `stored`, or, for an account that does not exist (null), against a decoy
   * hash made at start: an unknown name costs the same scrypt run as a wrong password, so neither the
   * answer nor its time says who has an account. Always false for null.
   */
  verify(authKey: string, stored: string | null): Promise<boolean>;
}

/** Made before the server listens, so even the first unknown-name sign-in after a start costs the same. */
export async function createAuthHasher(kdf: Scrypt = scryptAsync): Promise<AuthHasher> {
  const decoy = await hashAuthKey(randomBytes(32).toString('base64url'), kdf);
  return {
    hash: (authKey) => hashAuthKey(authKey, kdf),
    async verify(authKey, stored) {
      const matches = await verifyAuthKey(authKey, stored ?? decoy, kdf);
      return stored !== null && matches;
    },
  };
}
