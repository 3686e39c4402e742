// Binary fields travel as base64url (RFC 4648 §5, no padding) so they fit in JSON, URLs and cookies alike.

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return utf8Encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

// Browsers now have base64 built in (Uint8Array.fromBase64 and toBase64: Chromium 140, Firefox 133,
// Safari 18.2); Node 20 does not. Every envelope is decoded and encoded field by field on each seal and
// open, and in the worker the built-in is many times faster than the loop, so it is used where it exists.
// Both refuse the same inputs; encoding.test.ts holds the loop to that and the browser tests the built-in.
interface NativeBase64 {
  fromBase64?: (
    text: string,
    options: { alphabet: 'base64url'; lastChunkHandling: 'strict' },
  ) => Uint8Array<ArrayBuffer>;
}
interface NativeBytes {
  toBase64?: (options: { alphabet: 'base64url'; omitPadding: true }) => string;
}
const nativeFromBase64 = (Uint8Array as unknown as NativeBase64).fromBase64;
const nativeToBase64 = (Uint8Array.prototype as unknown as NativeBytes).toBase64;

// The built-in calls below run only where base64 is built in: encoding.browser.test.ts runs them in
// Chromium, which Stryker's vitest runner cannot instrument, so they are left out of the mutation run.
export function toBase64Url(bytes: Uint8Array): string {
  // Stryker disable next-line ConditionalExpression,ObjectLiteral,StringLiteral,BooleanLiteral: built-in path, browser tests
  if (nativeToBase64) return nativeToBase64.call(bytes, { alphabet: 'base64url', omitPadding: true });
  return toBase64UrlLoop(bytes);
}

/** The portable form of toBase64Url, for engines without the built-in. */
export function toBase64UrlLoop(bytes: Uint8Array): string {
  let binary = '';
  // A slice of bytes per call: about three times faster than a character at a time, and small enough that
  // the arguments never overflow the stack. apply takes the typed array as it is (spreading it is slower).
  // Stryker disable next-line EqualityOperator: with <= the last turn appends an empty slice, which changes nothing
  for (let start = 0; start < bytes.length; start += 0x2000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(start, start + 0x2000) as unknown as number[]);
  }
  // Stryker disable next-line Regex: btoa puts '=' only at the end, so the anchor changes nothing
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Throws on anything that is not canonical unpadded base64url, so malformed input never decodes to garbage. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  // Stryker disable next-line ConditionalExpression: both paths decode alike; the built-in one runs in the browser tests
  if (!nativeFromBase64) return fromBase64UrlLoop(text);
  // Stryker disable all: built-in path, run by the browser tests (see toBase64Url)
  // The built-in skips whitespace and takes padding, so the alphabet and the length are checked first.
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    throw new Error('not base64url');
  }
  // 'strict' wants the padding and refuses a last chunk whose unused bits are not zero: with the padding
  // put back, that is exactly "canonical".
  try {
    return nativeFromBase64(text + '='.repeat((4 - (text.length % 4)) % 4), {
      alphabet: 'base64url',
      lastChunkHandling: 'strict',
    });
  } catch {
    throw new Error('not canonical base64url');
  }
  // Stryker restore all
}

/** The portable form of fromBase64Url, for engines without the built-in. */
export function fromBase64UrlLoop(text: string): Uint8Array<ArrayBuffer> {
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    throw new Error('not base64url');
  }
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (toBase64UrlLoop(bytes) !== text) throw new Error('not canonical base64url');
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether two byte strings are equal. Not constant-time: for public values only. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
