import { describe, expect, it } from 'vitest';
import { concatBytes, fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from './encoding';

describe('encoding', () => {
  it('round-trips base64url without padding, matching Node', () => {
    for (const length of [...Array.from({ length: 40 }, (_, i) => i), 1_040, 20_000]) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it.each(['a', 'ab=', 'a+b/', 'ab!c', 'AB C', 'AR'])('refuses %j', (text) => {
    expect(() => fromBase64Url(text)).toThrow();
  });

  it('handles UTF-8, hex and concatenation', () => {
    expect(fromUtf8(utf8('héllo 🙂'))).toBe('héllo 🙂');
    expect(toHex(new Uint8Array([0, 15, 255]))).toBe('000fff');
    expect(concatBytes(new Uint8Array([1]), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => fromUtf8(new Uint8Array([0xff]))).toThrow();
  });
});
