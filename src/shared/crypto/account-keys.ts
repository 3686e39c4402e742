import { rules } from '../rules';
import { normalizeName } from '../name-rules';
import type { CryptoEnv } from './crypto-env';
import { toBase64Url, utf8 } from './encoding';

// Host-proof accounts (DESIGN §4): the password never leaves the browser. PBKDF2 stretches it into a
// master key; HKDF splits that into an auth key, which the server sees (and stores only a slow hash of),
// and a wrap key, which never leaves this device's memory and protects the private-key backup. Knowing
// the auth key does not help find the wrap key: HKDF outputs under different labels are independent.

const SALT_LABEL = 'ringpost/account/v1/';
const AUTH_INFO = 'ringpost/auth-key/v1';
const WRAP_INFO = 'ringpost/wrap-key/v1';

export interface AccountKeys {
  /** Sent to the server in place of the password. */
  authKey: string;
  /** Non-extractable AES-256-GCM key; script can use it but never read it. */
  wrapKey: CryptoKey;
}

export class WeakKdfError extends Error {
  constructor(iterations: number) {
    super(`Refusing ${iterations} PBKDF2 iterations; at least ${rules.pbkdf2MinIterations} are required.`);
    this.name = 'WeakKdfError';
  }
}

/** The salt is tied to the account so equal passwords of two people never share a master key. */
export function accountSalt(accountName: string): Uint8Array<ArrayBuffer> {
  return utf8(SALT_LABEL + normalizeName(accountName));
}

/** The salt as the server names it in an account's KDF parameters (base64url). */
export function encodedAccountSalt(accountName: string): string {
  return toBase64Url(accountSalt(accountName));
}

export async function deriveMasterKeyBits(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  accountName: string,
  password: string,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  // The server publishes the count, and the server is not trusted with the password: never go below the floor.
  if (!Number.isSafeInteger(iterations) || iterations < rules.pbkdf2MinIterations) {
    throw new WeakKdfError(iterations);
  }
  const passwordKey = await subtle.importKey('raw', utf8(password.normalize('NFKC')), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: accountSalt(accountName), iterations },
    passwordKey,
    256,
  );
  return new Uint8Array(bits);
}

export async function deriveAccountKeys(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  accountName: string,
  password: string,
  iterations: number,
): Promise<AccountKeys> {
  const master = await deriveMasterKeyBits({ subtle }, accountName, password, iterations);
  const hkdfKey = await subtle.importKey('raw', master, 'HKDF', false, ['deriveBits', 'deriveKey']);
  master.fill(0);
  const hkdf = (info: string) => ({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: new Uint8Array(32),
    info: utf8(info),
  });
  const authBits = await subtle.deriveBits(hkdf(AUTH_INFO), hkdfKey, 256);
  const wrapKey = await subtle.deriveKey(hkdf(WRAP_INFO), hkdfKey, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  return { authKey: toBase64Url(new Uint8Array(authBits)), wrapKey };
}
