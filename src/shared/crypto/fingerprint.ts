import type { CryptoEnv } from './crypto-env';
import { CryptoError } from './crypto-error';
import { toHex } from './encoding';

// DESIGN §4: the fingerprint is SHA-256 over the SubjectPublicKeyInfo DER, so it names exactly the bytes
// the server publishes; people compare it aloud, in groups of four hex digits.

const FINGERPRINT = /^[0-9a-f]{64}$/;

/** 64 lowercase hex digits: SHA-256 of the SPKI DER. */
export async function fingerprintSpki(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  spki: Uint8Array,
): Promise<string> {
  const digest = await subtle.digest('SHA-256', new Uint8Array(spki));
  return toHex(new Uint8Array(digest));
}

export function isFingerprint(value: unknown): value is string {
  return typeof value === 'string' && FINGERPRINT.test(value);
}

/** "dd04 bfb8 3f28 …": 16 groups of four lowercase hex digits separated by single spaces. */
export function formatFingerprint(fingerprint: string): string {
  if (!isFingerprint(fingerprint)) {
    throw new CryptoError('invalid_fingerprint', 'A fingerprint is 64 lowercase hex digits.');
  }
  // Stryker disable next-line OptionalChaining,StringLiteral: 64 hex digits, checked above, always make 16 groups
  return fingerprint.match(/.{4}/g)?.join(' ') ?? '';
}
