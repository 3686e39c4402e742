import { describe, expect, it } from 'vitest';
import { CryptoError, isCryptoError } from './crypto-error';
import { binaryStringToBytes, bytesToBinaryString } from './forge-bytes';
import { randomBytesFrom } from './random';

// The small pieces every crypto module leans on: the typed error the worker turns into an answer, the
// byte conversions at forge's edge, and the random source that must fill every byte asked for.

describe('CryptoError', () => {
  it('carries its code, its sentence, its name and its cause', () => {
    const cause = new Error('underneath');
    const error = new CryptoError('backup_unopenable', 'The backup could not be opened.', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('backup_unopenable');
    expect(error.message).toBe('The backup could not be opened.');
    expect(error.name).toBe('CryptoError');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('CryptoError: The backup could not be opened.');
  });

  it('is told apart from other errors, even ones that carry a code', () => {
    expect(isCryptoError(new CryptoError('keygen_failed', 'No key.'))).toBe(true);
    expect(isCryptoError(Object.assign(new Error('No key.'), { code: 'keygen_failed' }))).toBe(false);
    expect(isCryptoError({ code: 'keygen_failed', message: 'No key.' })).toBe(false);
    expect(isCryptoError(null)).toBe(false);
  });
});

describe('forge’s binary strings', () => {
  it('round-trip every byte value, across more than one chunk, in order', () => {
    const bytes = Uint8Array.from({ length: 8_192 * 2 + 5 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
    const binary = bytesToBinaryString(bytes);
    expect(binary).toHaveLength(bytes.length);
    expect(binary.charCodeAt(8_192)).toBe(bytes[8_192]);
    expect(binary.charCodeAt(bytes.length - 1)).toBe(bytes[bytes.length - 1]);
    expect(binaryStringToBytes(binary)).toEqual(bytes);
    expect(bytesToBinaryString(new Uint8Array(0))).toBe('');
    expect(binaryStringToBytes('\u00ff\u0000')).toEqual(new Uint8Array([0xff, 0]));
  });

  it('refuses a string with a character above one byte, rather than cutting it short', () => {
    expect(() => binaryStringToBytes('ab\u0100')).toThrow(new RangeError('not a binary string'));
    expect(() => binaryStringToBytes('🙂')).toThrow(RangeError);
  });
});

describe('randomBytesFrom', () => {
  it('asks for at most 65,536 bytes at a time and fills every byte asked for', () => {
    const calls: number[] = [];
    const source = {
      getRandomValues(array: Uint8Array<ArrayBuffer>) {
        calls.push(array.length);
        return array.fill(0xab);
      },
    };
    const bytes = randomBytesFrom(source)(65_536 * 2 + 10);
    expect(calls).toEqual([65_536, 65_536, 10]);
    expect(bytes).toHaveLength(65_536 * 2 + 10);
    expect(bytes.every((byte) => byte === 0xab)).toBe(true);
    expect(randomBytesFrom(source)(0)).toHaveLength(0);
    expect(calls).toHaveLength(3);
  });

  it('draws from the real source differently each time', () => {
    const draw = randomBytesFrom(globalThis.crypto);
    expect(draw(32)).not.toEqual(draw(32));
  });
});
