import { rules } from './rules';

// What may be sent as a message (DESIGN §1.5, §2, §4): text only, at most 160 user-perceived characters,
// and at most 1,022 UTF-8 bytes so it fits envelope v1's fixed 1,024-byte padded plaintext. Compose checks
// it as the user types and sealEnvelope checks it again, so no path can seal what compose would refuse.
// Free of zod and of the DOM, so the crypto worker uses it too.

// Grapheme clusters are what a person counts as one character: an emoji, a flag (two regional
// indicators), a ZWJ family, a letter with combining accents. Code units or code points would charge an
// emoji two to eleven characters. The segmentation rules do not depend on the locale.
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** User-perceived characters (extended grapheme clusters, UAX #29), as the `N / 160` counter shows them. */
export function countCharacters(text: string): number {
  const segments = graphemes.segment(text)[Symbol.iterator]();
  let count = 0;
  while (!segments.next().done) count++;
  return count;
}

/**
 * The length of `text` in UTF-8, counted without encoding it. A lone surrogate counts as the three bytes
 * of U+FFFD, which is what TextEncoder would write for it.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint < 0x80) bytes += 1;
    else if (codePoint < 0x800) bytes += 2;
    else if (codePoint < 0x10000) bytes += 3;
    else bytes += 4;
  }
  return bytes;
}

// Text only. Line feeds and tabs are how people lay out a short note, and a textarea gives them as
// plain \n and \t. Every other C0 control, DEL and the C1 controls (carriage return included: a browser's
// textarea already turns line breaks into \n) have no glyph, can reorder or hide what a terminal or a log
// viewer shows, and a NUL byte is truncated by some C code: none belongs in a message. Format characters
// (ZWJ, variation selectors, direction marks) stay allowed: emoji and right-to-left text need them.
// Lone surrogates are refused too: UTF-8 cannot hold them, so the recipient would read U+FFFD instead.
function isForbiddenCodePoint(codePoint: number): boolean {
  if (codePoint === 0x09 || codePoint === 0x0a) return false;
  return (
    codePoint < 0x20 || // C0 controls
    (codePoint >= 0x7f && codePoint <= 0x9f) || // DEL and C1 controls
    (codePoint >= 0xd800 && codePoint <= 0xdfff) // a surrogate without its pair
  );
}

/** Whether `text` holds a control character (other than \n and \t) or a lone surrogate. */
export function hasForbiddenCharacter(text: string): boolean {
  for (const char of text) {
    if (isForbiddenCodePoint(char.codePointAt(0) ?? 0)) return true;
  }
  return false;
}

// Code points that never begin a character unless they come first or after a control (UAX #29 GB4, GB9):
// combining marks and other extenders, emoji skin tones, the zero-width joiner. All are U+0300 or above.
const EXTENDS = /^[\p{Grapheme_Extend}\p{Emoji_Modifier}\u200D]$/u;
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;
const ZWJ = 0x200d;

function isControl(codePoint: number): boolean {
  return codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f);
}

/**
 * An upper bound on `countCharacters(text)`, without segmenting: every code point counts but those that
 * always join the character before them (an extender not after a control or at the start, GB9; the second
 * regional indicator of a flag, GB12–13; a pictograph after a pictograph and a joiner, GB11, as in a ZWJ
 * family). Other joins (Hangul syllables, Indic conjuncts) are left out, which only makes the bound
 * higher, never lower.
 */
export function charactersAtMost(text: string): number {
  let bound = 0;
  let afterControl = true;
  let regionalRun = 0;
  // GB11 joins a pictograph to the one before only across `Extend* ZWJ`, and ZWJ is not Extend: this
  // holds while the last pictograph has been followed by extenders other than the joiner...
  let pictographic = false;
  // ...and this right after that run, when a single joiner closed it.
  let pictographicJoiner = false;
  for (let i = 0; i < text.length; i++) {
    const codePoint = text.codePointAt(i) ?? 0;
    const char = codePoint > 0xffff ? text.slice(i, i + 2) : (text[i] ?? '');
    if (codePoint > 0xffff) i++;
    const regional = codePoint >= 0x1f1e6 && codePoint <= 0x1f1ff;
    regionalRun = regional ? regionalRun + 1 : 0;
    const extender = !afterControl && codePoint >= 0x300 && EXTENDS.test(char);
    const pictograph = codePoint >= 0xa9 && PICTOGRAPHIC.test(char);
    const joins = extender || (regional && regionalRun % 2 === 0) || (pictographicJoiner && pictograph);
    if (!joins) bound++;
    if (extender && codePoint === ZWJ) {
      pictographicJoiner = pictographic;
      pictographic = false;
    } else if (extender) {
      pictographicJoiner = false;
    } else {
      pictographic = pictograph;
      pictographicJoiner = false;
    }
    afterControl = isControl(codePoint);
  }
  return bound;
}

/**
 * Whether `text` is within `max` characters without segmenting it, which costs more than all the rest of
 * sealing but the RSA signature: true when the text is short enough in code units, or its bound is.
 */
function fitsWithoutSegmenting(text: string, max: number): boolean {
  return text.length <= max || charactersAtMost(text) <= max;
}

const numbers = new Intl.NumberFormat('en');

/**
 * Null when `text` may be sent, otherwise one sentence for the person typing it. Checked in the order a
 * person fixes things: write something, remove what is not text, shorten to 160, then shorten further
 * when many characters take several bytes each.
 */
export function messageTextProblem(text: string): string | null {
  if (text.trim() === '') return 'Write a message first.';
  if (hasForbiddenCharacter(text)) {
    return 'Use text only: this message contains a control character that cannot be sent.';
  }
  if (!fitsWithoutSegmenting(text, rules.messageMaxChars) && countCharacters(text) > rules.messageMaxChars) {
    return `Use at most ${rules.messageMaxChars} characters.`;
  }
  const bytes = utf8Length(text);
  if (bytes > rules.messageMaxUtf8Bytes) {
    return (
      `This message is too long in bytes: ${numbers.format(bytes)} of at most ` +
      `${numbers.format(rules.messageMaxUtf8Bytes)}. Some characters, such as emoji, take several bytes each.`
    );
  }
  return null;
}
