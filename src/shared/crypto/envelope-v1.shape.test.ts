import { describe, expect, it } from 'vitest';
import { toBase64Url } from './encoding';
import { MAX_TS, padText, parseEnvelope, unpadText, type EnvelopeV1 } from './envelope-v1';
import { refusal } from './testing/refusal';

// Every refusal of the envelope's shape and padding, each reached by an input wrong in one place only and
// named by its own sentence, with both sides of every bound. No crypto: these checks run before any.

const bytes = (length: number) => toBase64Url(new Uint8Array(length).fill(7));
const good: EnvelopeV1 = {
  v: 1,
  id: bytes(16),
  from: 'alice',
  to: 'bob',
  ts: 1_767_225_600_000,
  kid: { from: 'ab'.repeat(32), to: 'cd'.repeat(32) },
  iv: bytes(12),
  ct: bytes(1_040),
  wk: { to: bytes(128), from: bytes(128) },
  sig: bytes(128),
};

const malformed = (message: string) => `envelope_malformed: ${message}`;

describe('parseEnvelope says what is wrong', () => {
  it('accepts a well-formed envelope and gives back a copy of exactly its fields', () => {
    const copy = parseEnvelope({ ...good });
    expect(copy).toEqual(good);
    expect(copy.kid).not.toBe(good.kid);
    expect(copy.wk).not.toBe(good.wk);
  });

  it.each<[string, unknown, string]>([
    ['null', null, malformed('The envelope is not an object.')],
    ['an array', [good], malformed('The envelope is not an object.')],
    ['a string', 'v1', malformed('The envelope is not an object.')],
    ['no version', { ...good, v: undefined }, malformed('The envelope has no version.')],
    ['version 2', { ...good, v: 2 }, 'envelope_version_unsupported: Envelope version 2 is not supported.'],
    ['a field more', { ...good, note: '' }, malformed('The envelope has missing or unexpected fields.')],
    [
      // The same number of fields, one under another name: every field must be there, not just some.
      'the signature under another name',
      { ...Object.fromEntries(Object.entries(good).filter(([key]) => key !== 'sig')), signature: good.sig },
      malformed('The envelope has missing or unexpected fields.'),
    ],
    [
      'key ids that are not a pair',
      { ...good, kid: [good.kid.from] },
      malformed("The envelope's key ids are malformed."),
    ],
    [
      'a key id under another name',
      { ...good, kid: { from: good.kid.from, too: good.kid.to } },
      malformed("The envelope's key ids are malformed."),
    ],
    [
      'a third key id',
      { ...good, kid: { ...good.kid, x: 'ab'.repeat(32) } },
      malformed("The envelope's key ids are malformed."),
    ],
    [
      'a sender key id that is no fingerprint',
      { ...good, kid: { ...good.kid, from: 'AB'.repeat(32) } },
      malformed("The envelope's key ids are malformed."),
    ],
    [
      'a recipient key id that is no fingerprint',
      { ...good, kid: { ...good.kid, to: 'x' } },
      malformed("The envelope's key ids are malformed."),
    ],
    [
      'wrapped keys that are not a pair',
      { ...good, wk: { to: good.wk.to } },
      malformed("The envelope's wrapped keys are malformed."),
    ],
    ['a time in words', { ...good, ts: 'now' }, malformed("The envelope's time is not a time.")],
    ['a negative time', { ...good, ts: -1 }, malformed("The envelope's time is not a time.")],
    ['a fractional time', { ...good, ts: 1.5 }, malformed("The envelope's time is not a time.")],
    [
      'a time past the last a Date can hold',
      { ...good, ts: MAX_TS + 1 },
      malformed("The envelope's time is not a time."),
    ],
    ['a numeric id', { ...good, id: 16 }, malformed("The envelope's id is not a string.")],
    [
      'an id in base64',
      { ...good, id: 'AAAAAAAAAAAAAAAAAAAA+A' },
      malformed("The envelope's id is not base64url."),
    ],
    ['an id of 15 bytes', { ...good, id: bytes(15) }, malformed("The envelope's id has the wrong length.")],
    ['an id of 17 bytes', { ...good, id: bytes(17) }, malformed("The envelope's id has the wrong length.")],
    [
      'a sender not normalized',
      { ...good, from: 'Alice' },
      malformed("The envelope's sender is not a normalized community name."),
    ],
    [
      'a numeric sender',
      { ...good, from: 1 },
      malformed("The envelope's sender is not a normalized community name."),
    ],
    [
      'a recipient not normalized',
      { ...good, to: 'bob ' },
      malformed("The envelope's recipient is not a normalized community name."),
    ],
    ['an IV of 13 bytes', { ...good, iv: bytes(13) }, malformed("The envelope's IV has the wrong length.")],
    [
      'a ciphertext of 1,041 bytes',
      { ...good, ct: bytes(1_041) },
      malformed("The envelope's ciphertext has the wrong length."),
    ],
    [
      'a wrapped key of 129 bytes',
      { ...good, wk: { ...good.wk, to: bytes(129) } },
      malformed("The envelope's wrapped key has the wrong length."),
    ],
    [
      'a sender wrapped key of 512 bytes',
      { ...good, wk: { ...good.wk, from: bytes(512) } },
      malformed("The envelope's wrapped key has the wrong length."),
    ],
    [
      'a signature of 0 bytes',
      { ...good, sig: '' },
      malformed("The envelope's signature has the wrong length."),
    ],
  ])('refuses %s', (_label, value, expected) => {
    expect(refusal(() => parseEnvelope(value))).toBe(expected);
  });

  it.each([
    ['the first time', { ts: 0 }],
    ['the last time', { ts: MAX_TS }],
    ['2048-bit blocks', { wk: { to: bytes(256), from: bytes(256) }, sig: bytes(256) }],
    ['3072-bit blocks', { wk: { to: bytes(384), from: bytes(384) }, sig: bytes(384) }],
  ])('accepts %s', (_label, change) => {
    const value = { ...good, ...change };
    expect(parseEnvelope(value)).toEqual(value);
  });
});

describe('the padding says what is wrong', () => {
  const block = (length: number, text: number[], fill = 0) => {
    const padded = new Uint8Array(1_024).fill(fill);
    new DataView(padded.buffer).setUint16(0, length);
    padded.set(text, 2);
    return padded;
  };
  const invalid = (message: string) => `envelope_padding_invalid: ${message}`;

  it.each<[string, Uint8Array, string]>([
    ['a block of 1,023 bytes', new Uint8Array(1_023), invalid('The padded message has the wrong length.')],
    ['a block of 1,025 bytes', new Uint8Array(1_025), invalid('The padded message has the wrong length.')],
    ['a length of 1,023', block(1_023, []), invalid('The message length prefix is too large.')],
    [
      'a non-zero byte right after the text',
      block(1, [0x68, 0x01]),
      invalid('The message padding is not zero.'),
    ],
    [
      'a non-zero last byte',
      Object.assign(block(1, [0x68]), { [1_023]: 1 }),
      invalid('The message padding is not zero.'),
    ],
    ['invalid UTF-8', block(2, [0xc3, 0x28]), invalid('The message is not valid UTF-8.')],
  ])('refuses %s', (_label, padded, expected) => {
    expect(refusal(() => unpadText(padded))).toBe(expected);
  });

  it('reads the longest text, whose last byte is the block’s last, and a text that ends in a zero-free byte', () => {
    const longest = 'y'.repeat(1_022);
    expect(
      unpadText(
        block(
          1_022,
          Array.from(longest, () => 0x79),
        ),
      ),
    ).toBe(longest);
    expect(unpadText(block(1, [0x68]))).toBe('h');
    // A block that is a view into a larger buffer is read from its own start.
    const wide = new Uint8Array(1_030);
    wide.set(block(2, [0x68, 0x69]), 3);
    expect(unpadText(wide.subarray(3, 1_027))).toBe('hi');
  });

  it('seals the longest text and refuses one byte more', () => {
    expect(padText('z'.repeat(1_022))).toHaveLength(1_024);
    expect(refusal(() => padText('z'.repeat(1_023)))).toBe(
      'message_text_invalid: The message is too long to seal.',
    );
  });
});
