import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// The auth key is already a 256-bit HKDF output of 600,000 PBKDF2 rounds, so the server's hash is a
// second line: if the table leaks, it cannot be replayed as a login. scrypt's parameters travel in the
// stored string so they can be raised later without breaking old rows.

const PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scryptAsync(
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
}

export async function hashAuthKey(authKey: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(authKey, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyAuthKey(authKey: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, hashText] = stored.split('$');
  if (scheme !== 'scrypt' || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64');
  const actual = await scryptAsync(authKey, Buffer.from(saltText, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let decoy: Promise<string> | undefined;

/**
 * A hash to check against when the account does not exist, so an unknown name costs the same scrypt run as
 * a wrong password and the response time says nothing about who has an account.
 */
export function decoyAuthHash(): Promise<string> {
  decoy ??= hashAuthKey(randomBytes(32).toString('base64url'));
  return decoy;
}
