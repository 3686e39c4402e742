import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromBase64UrlLoop, toBase64Url, toBase64UrlLoop } from './encoding';

// Runs in Chromium, where base64 is built in: the built-in path must give and refuse exactly what the
// portable loop (the one Node runs, held to Node's own Buffer in encoding.test.ts) gives and refuses.

const refused = ['a', 'ab=', 'AB==', 'a+b/', 'ab!c', 'AB C', ' AB', 'AB\n', 'AR', 'AAB', 'QUJ'];

describe('base64url in the browser', () => {
  it('uses the built-in here', () => {
    expect(typeof (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64).toBe('function');
  });

  it('encodes and decodes as the portable loop does', () => {
    for (const length of [...Array.from({ length: 70 }, (_, i) => i), 1_040, 20_000]) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = toBase64Url(bytes);
      expect(text).toBe(toBase64UrlLoop(bytes));
      expect(fromBase64Url(text)).toEqual(bytes);
      expect(fromBase64UrlLoop(text)).toEqual(bytes);
    }
  });

  it.each(refused)('refuses %j as the loop does', (text) => {
    expect(() => fromBase64UrlLoop(text)).toThrow();
    expect(() => fromBase64Url(text)).toThrow();
  });
});
