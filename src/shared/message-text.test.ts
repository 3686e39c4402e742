import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  charactersAtMost,
  countCharacters,
  hasForbiddenCharacter,
  messageTextProblem,
  utf8Length,
} from './message-text';
import { rules } from './rules';

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';

describe('countCharacters', () => {
  it.each([
    ['', 0],
    ['hello', 5],
    ['hello \u{1F30D}', 7],
    ['\u{1F44D}', 1],
    ['\u{1F44D}\u{1F3FD}', 1], // skin tone modifier
    ['\u2764\uFE0F', 1], // variation selector
    ['\u2764\uFE0F\u200D\u{1F525}', 1], // ZWJ sequence
    [FAMILY, 1], // four people joined by ZWJ
    ['\u{1F3F3}\uFE0F\u200D\u{1F308}', 1], // rainbow flag
    ['\u{1F1EB}\u{1F1F7}', 1], // a flag is two regional indicators
    ['\u{1F1EB}\u{1F1F7}\u{1F1E9}\u{1F1EA}', 2],
    ['\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', 1], // tag sequence (Scotland)
    ['1\uFE0F\u20E3', 1], // keycap
    ['e\u0301', 1], // combining acute
    ['Z\u0351\u0358a\u0360l\u0337g\u0334o', 5], // stacked combining marks
    ['\u4F60\u597D\u4E16\u754C', 4], // CJK
    ['\u1100\u1161\u11A8', 1], // a Hangul syllable from conjoining jamo
    ['\u0915\u094D\u0937', 1], // Devanagari conjunct
    ['a\r\nb', 3], // CR LF is one cluster
  ])('%j has %i characters', (text, count) => {
    expect(countCharacters(text)).toBe(count);
  });
});

describe('utf8Length', () => {
  it('agrees with TextEncoder, lone surrogates included', () => {
    const encoder = new TextEncoder();
    for (const text of [
      '',
      'a',
      '\u00e9',
      '\u20ac',
      '\u{1F30D}',
      FAMILY,
      'x\uD800y',
      '\uDC00',
      '\u4F60\u597D',
    ]) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(encoder.encode(text).length);
    }
  });
});

describe('hasForbiddenCharacter', () => {
  it('allows text, line feeds, tabs and format characters', () => {
    for (const text of ['a\nb', 'a\tb', FAMILY, '\u200F\u05E9\u05DC\u05D5\u05DD', '\u00A0\u00FF\uFFFD']) {
      expect(hasForbiddenCharacter(text), JSON.stringify(text)).toBe(false);
    }
  });

  it('refuses other C0 controls, DEL, C1 controls and lone surrogates', () => {
    for (const text of ['\u0000', 'a\rb', '\u0007', '\u001B[31m', '\u007F', '\u0085', '\u009F', 'a\uD83Db']) {
      expect(hasForbiddenCharacter(text), JSON.stringify(text)).toBe(true);
    }
  });
});

describe('messageTextProblem', () => {
  it('accepts up to 160 characters and 1,022 bytes', () => {
    expect(messageTextProblem('hello \u{1F30D}')).toBeNull();
    expect(messageTextProblem('x'.repeat(rules.messageMaxChars))).toBeNull();
    expect(messageTextProblem('\u{1F600}'.repeat(rules.messageMaxChars))).toBeNull();
    // More code points than the limit, each character a letter and its combining accent.
    expect(messageTextProblem('e\u0301'.repeat(rules.messageMaxChars))).toBeNull();
    const maxBytes = FAMILY.repeat(40) + 'x'.repeat(22);
    expect(utf8Length(maxBytes)).toBe(rules.messageMaxUtf8Bytes);
    expect(messageTextProblem(maxBytes)).toBeNull();
  });

  it('refuses an empty or blank message', () => {
    expect(messageTextProblem('')).toBe('Write a message first.');
    expect(messageTextProblem(' \n\t ')).toBe('Write a message first.');
  });

  it('refuses 161 characters, whatever they are made of', () => {
    expect(messageTextProblem('x'.repeat(161))).toBe('Use at most 160 characters.');
    expect(messageTextProblem('e\u0301'.repeat(161))).toBe('Use at most 160 characters.');
    expect(messageTextProblem('\u{1F600}'.repeat(161))).toBe('Use at most 160 characters.');
    expect(messageTextProblem('\u{1F1EB}\u{1F1F7}'.repeat(161))).toBe('Use at most 160 characters.');
  });

  it('refuses more than 1,022 bytes even under 160 characters, and says why', () => {
    const text = FAMILY.repeat(40) + 'x'.repeat(23);
    expect(countCharacters(text)).toBe(63);
    expect(messageTextProblem(text)).toBe(
      'This message is too long in bytes: 1,023 of at most 1,022. Some characters, such as emoji, take several bytes each.',
    );
  });

  it('refuses control characters', () => {
    expect(messageTextProblem('hi\u0000')).toMatch(/^Use text only/);
  });
});

describe('the character bound that spares segmenting', () => {
  // Pieces that join, break or merge in every way UAX #29 knows: combining marks, the zero-width joiner,
  // skin tones, flags (regional indicators), controls that break before an extender, Hangul jamo, an
  // Indic virama, a prepend mark, spacing marks (one of which, U+102B, starts characters of its own),
  // variation selectors and emoji tags.
  const pieces = [
    'a',
    'é',
    'e',
    '\u0301',
    '\u200D',
    '👍',
    '🏽',
    '👩',
    '🇫',
    '🇷',
    '\n',
    '\t',
    ' ',
    '日',
    '\u1100',
    '\u1161',
    '\u11A8',
    'क',
    '\u094D',
    'ष',
    '\u0600',
    '\u0E33',
    '\u102B',
    '\uFE0F',
    '\u{E0067}',
    '\u{E007F}',
    'я',
  ];
  const texts = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((parts) => parts.join(''));

  it('is never below the characters counted by segmenting', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect(charactersAtMost(text)).toBeGreaterThanOrEqual(countCharacters(text));
      }),
      { numRuns: 3_000 },
    );
  });

  it('is exact for emoji with skin tones, flags, ZWJ families and accents', () => {
    for (const text of ['👍🏽🇫🇷👩\u200D👩\u200D👧', 'e\u0301ñ日本', '🇫🇷🇫', '\n\u0301', '\u0301a']) {
      expect(charactersAtMost(text)).toBe(countCharacters(text));
    }
  });

  // Found by the property above: GB11 joins across `Extend* ZWJ`, and a second joiner is not Extend.
  it('breaks before a pictograph after two joiners or after an extender that follows the joiner', () => {
    for (const text of ['👍\u200D\u200D👍', '👍\u200D\u0301👍', '👍\u200D🏽👍', '👍🏽\u200D👍', 'a\u200D👍']) {
      expect(charactersAtMost(text)).toBe(countCharacters(text));
    }
  });
});
