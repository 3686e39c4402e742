import { describe, expect, it } from 'vitest';
import { nameSchema, normalizeName } from './names';

describe('names (account and community)', () => {
  it.each([
    ['alice', 'alice'],
    ['Alice', 'alice'],
    ['ALICE.SMITH', 'alice.smith'],
    ['ａｌｉｃｅ', 'alice'], // full-width letters fold under NFKC
    ['\u212Aate', 'kate'], // KELVIN SIGN is a K after NFKC
    ['ﬁona', 'fiona'], // the fi ligature unfolds
    ['  bob_99  ', 'bob_99'],
    ['a-b', 'a-b'],
    ['x'.repeat(32), 'x'.repeat(32)],
  ])('accepts %j as %j', (raw, expected) => {
    expect(nameSchema.parse(raw)).toBe(expected);
    expect(normalizeName(raw)).toBe(expected);
  });

  it.each([
    ['ab', 'Use 3 to 32 characters.'],
    ['x'.repeat(33), 'Use 3 to 32 characters.'],
    ['', 'Use 3 to 32 characters.'],
    ['x'.repeat(300), 'Use 3 to 32 characters.'],
    ['hello world', 'Use only letters a–z, digits, dots, underscores and hyphens.'],
    ['émile', 'Use only letters a–z, digits, dots, underscores and hyphens.'],
    ['İstanbul', 'Use only letters a–z, digits, dots, underscores and hyphens.'],
    ['bob@home', 'Use only letters a–z, digits, dots, underscores and hyphens.'],
    ['алиса', 'Use only letters a–z, digits, dots, underscores and hyphens.'],
    ['_bob', 'Start with a letter or a digit.'],
    ['.bob', 'Start with a letter or a digit.'],
  ])('refuses %j: %s', (raw, message) => {
    const result = nameSchema.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });

  it('refuses what is not a string', () => {
    for (const value of [null, 42, {}, []]) expect(nameSchema.safeParse(value).success).toBe(false);
  });
});
