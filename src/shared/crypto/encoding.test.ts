import { describe, expect, it } from 'vitest';
import {
  bytesEqual,
  concatBytes,
  fromBase64Url,
  fromBase64UrlLoop,
  fromUtf8,
  toBase64Url,
  toBase64UrlLoop,
  toHex,
  utf8,
} from './encoding';

describe('encoding', () => {
  it('round-trips base64url without padding, matching Node', () => {
    for (const length of [...Array.from({ length: 40 }, (_, i) => i), 1_040, 20_000]) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it.each(['a', 'ab=', 'a+b/', 'ab!c', 'AB C', ' AB', 'AB\n', 'abcde'])(
    'refuses %j: not base64url',
    (text) => {
      expect(() => fromBase64Url(text)).toThrow(/^not base64url$/);
      expect(() => fromBase64UrlLoop(text)).toThrow(/^not base64url$/);
    },
  );

  // Each decodes, but to bytes that encode back to other text: unused bits set in the last character.
  it.each(['AR', 'AAB', 'QUJ', 'QUJDRB'])('refuses %j: not canonical', (text) => {
    expect(() => fromBase64UrlLoop(text)).toThrow(/^not canonical base64url$/);
  });

  it('uses - and _ where base64 has + and /, in both directions, at every position', () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe, 0xfb, 0xef]);
    expect(toBase64UrlLoop(bytes)).toBe('-_-__vvv');
    expect(fromBase64UrlLoop('-_-__vvv')).toEqual(bytes);
    expect(toBase64UrlLoop(new Uint8Array([0xff]))).toBe('_w');
    expect(fromBase64UrlLoop('_w')).toEqual(new Uint8Array([0xff]));
  });

  it('encodes more than one slice of bytes at a time in order', () => {
    const bytes = Uint8Array.from({ length: 0x2000 * 2 + 3 }, (_, i) => (i * 7) & 0xff);
    expect(toBase64UrlLoop(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
  });

  it('tells equal bytes from unequal ones', () => {
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1, 2, 0]), new Uint8Array([1, 2]))).toBe(false);
  });

  it('handles UTF-8, hex and concatenation', () => {
    expect(fromUtf8(utf8('héllo 🙂'))).toBe('héllo 🙂');
    expect(toHex(new Uint8Array([0, 15, 255]))).toBe('000fff');
    expect(concatBytes(new Uint8Array([1]), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(concatBytes()).toEqual(new Uint8Array(0));
    expect(() => fromUtf8(new Uint8Array([0xff]))).toThrow();
  });

  it('refuses text that is not canonical unpadded base64url', () => {
    // One character left over carries under a byte; '+', '/', '=' and spaces belong to other alphabets.
    for (const text of ['a', 'abcde', 'ab+c', 'ab/c', 'abc=', 'ab c']) {
      expect(() => fromBase64Url(text), text).toThrow('not base64url');
    }
  });
});
