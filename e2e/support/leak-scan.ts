import type { SecretRecord } from './leak-record';

// Looks for secrets in bytes: the server's files and what the browsers sent. Nothing here knows where the
// bytes came from. A secret counts as leaked in any form a program could turn back into it, so text that
// looks like base64 or hex is decoded (at every alignment, and again inside what it decodes to) and
// searched too. Private keys the run never saw are found by their shape: PEM armour, the PKCS#8 header of
// an RSA key, the RSAPrivateKey sequence itself (which PKCS#8 wraps), or a JWK with private members.

export interface Piece {
  /** Where the bytes are, as the report should say it: a file, or the request that carried them. */
  where: string;
  bytes: Buffer;
  /** For bytes decoded out of a piece: where in that piece the encoded run starts. */
  origin?: number;
}

export interface Leak {
  /** What leaked, without the secret itself: its kind, length, first letters and the story that used it. */
  what: string;
  /** The form it was found in: as typed, URL-encoded, base64-decoded, … */
  form: string;
  /** The piece it was found in. */
  where: string;
  /** The byte offset in that piece (of the encoded run, when it was found decoded). */
  at: number;
}

/**
 * Texts shorter than this are not looked for: a word of a few letters turns up in random base64 or in
 * someone's account name by chance. Every password is longer (the product asks for 10), and so is every
 * message the stories send ("note 1" is the shortest).
 */
export const MIN_TEXT_CHARS = 6;
/** Enough of a key number to be unique, and short enough to match a truncated copy. */
const NUMBER_BYTES = 32;
/** Shorter base64 or hex runs are names and ids, and decode to too little to hold a secret. */
const MIN_TOKEN_CHARS = 16;
/** base64 in base64 (a JSON blob encoded whole, say) is still readable; deeper is not worth the time. */
const DECODE_DEPTH = 3;
const MAX_LEAKS = 200;

interface Needle {
  bytes: Buffer;
  what: string;
  form: string;
}

/** Pieces joined into one buffer, so each needle is searched once, with a map back to each piece. */
class Haystack {
  readonly bytes: Buffer;
  private readonly starts: number[] = [];
  private readonly pieces: readonly Piece[];

  constructor(pieces: readonly Piece[]) {
    this.pieces = pieces;
    const parts: Buffer[] = [];
    let offset = 0;
    for (const piece of pieces) {
      this.starts.push(offset);
      // A zero byte between pieces: no text needle or base64 run can span two of them.
      parts.push(piece.bytes, Buffer.alloc(1));
      offset += piece.bytes.length + 1;
    }
    this.bytes = Buffer.concat(parts);
  }

  locate(offset: number): { where: string; at: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((this.starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    const piece = this.pieces[low];
    return { where: piece?.where ?? '?', at: piece?.origin ?? offset - (this.starts[low] ?? 0) };
  }
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Names a secret without giving it away: a password's first two letters are as much as a log should hold. */
function describe(secret: SecretRecord): string {
  const from = truncate(secret.story);
  if (secret.kind === 'key-number') return `private key member "${secret.detail}" (a key held by ${from})`;
  const hint = `${[...secret.value].slice(0, 2).join('')}…, ${[...secret.value].length} characters`;
  return `${secret.kind === 'password' ? 'password' : 'message text'} (${hint}, ${secret.detail} in ${from})`;
}

function asciiJson(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The base64 characters fully fixed by `bytes`, in both alphabets, when they start a 3-byte group. */
function base64Forms(bytes: Buffer): [string, Buffer][] {
  const whole = bytes.subarray(0, bytes.length - (bytes.length % 3));
  if (whole.length < 3) return [];
  return [
    ['base64', Buffer.from(whole.toString('base64'))],
    ['base64url', Buffer.from(whole.toString('base64url'))],
  ];
}

function textNeedles(secret: SecretRecord): [string, Buffer][] {
  const { value } = secret;
  const utf8 = Buffer.from(value, 'utf8');
  return [
    ['plain text', utf8],
    ['NFKC-normalized', Buffer.from(value.normalize('NFKC'), 'utf8')],
    ['URL-encoded', Buffer.from(encodeURIComponent(value))],
    ['form-encoded', Buffer.from(new URLSearchParams({ x: value }).toString().slice(2))],
    ['in a JSON string', Buffer.from(JSON.stringify(value).slice(1, -1), 'utf8')],
    ['JSON-escaped', Buffer.from(asciiJson(value))],
    ['UTF-16', Buffer.from(value, 'utf16le')],
    ['hex', Buffer.from(utf8.toString('hex'))],
    ['HEX', Buffer.from(utf8.toString('hex').toUpperCase())],
    ...base64Forms(utf8),
  ];
}

function numberNeedles(secret: SecretRecord): [string, Buffer][] {
  const full = Buffer.from(secret.value, 'base64url');
  let start = 0;
  while (start < full.length - 1 && full[start] === 0) start += 1;
  const number = full.subarray(start);
  // base64 forms need not be listed: every base64 run is decoded and searched for the raw bytes.
  const head = number.subarray(0, NUMBER_BYTES);
  const hex = number.toString('hex');
  return [
    ['raw bytes', head],
    ['hex', Buffer.from(head.toString('hex'))],
    ['HEX', Buffer.from(head.toString('hex').toUpperCase())],
    ['decimal', Buffer.from(BigInt(`0x${hex}`).toString().slice(0, 40))],
  ];
}

/** The version, rsaEncryption algorithm and the OCTET STRING that opens every RSA PKCS#8 private key. */
const PKCS8_RSA_HEADER = Buffer.from('020100300d06092a864886f70d0101010500' + '04', 'hex');

export function needlesFor(secrets: readonly SecretRecord[]): Needle[] {
  // Prefixes go: a value typed key by key is recorded at every length, and the longest one covers them.
  const texts = secrets.filter((secret) => secret.kind !== 'key-number');
  const kept = secrets.filter(
    (secret) =>
      secret.kind === 'key-number' ||
      ([...secret.value].length >= MIN_TEXT_CHARS &&
        !texts.some(
          (other) => other.value.length > secret.value.length && other.value.startsWith(secret.value),
        )),
  );
  const needles = new Map<string, Needle>([
    [
      PKCS8_RSA_HEADER.toString('hex'),
      { bytes: PKCS8_RSA_HEADER, what: 'an RSA private key', form: 'PKCS#8 DER' },
    ],
  ]);
  for (const secret of kept) {
    const forms = secret.kind === 'key-number' ? numberNeedles(secret) : textNeedles(secret);
    for (const [form, bytes] of forms) {
      const key = bytes.toString('hex');
      if (bytes.length >= 4 && !needles.has(key)) needles.set(key, { bytes, what: describe(secret), form });
    }
  }
  return [...needles.values()];
}

/** Every place any needle occurs, in one pass: a two-byte filter, then the needles starting with those four. */
function searchAll(hay: Buffer, needles: readonly Needle[]): { needle: Needle; offset: number }[] {
  const firstTwo = new Uint8Array(65_536);
  const byHead = new Map<number, Needle[]>();
  for (const needle of needles) {
    firstTwo[needle.bytes.readUInt16LE(0)] = 1;
    const head = needle.bytes.readUInt32LE(0);
    byHead.set(head, [...(byHead.get(head) ?? []), needle]);
  }
  const found: { needle: Needle; offset: number }[] = [];
  for (let at = 0; at + 4 <= hay.length && found.length < MAX_LEAKS; at += 1) {
    if (!firstTwo[hay.readUInt16LE(at)]) continue;
    for (const needle of byHead.get(hay.readUInt32LE(at)) ?? []) {
      const end = at + needle.bytes.length;
      if (end <= hay.length && hay.compare(needle.bytes, 0, needle.bytes.length, at, end) === 0) {
        found.push({ needle, offset: at });
      }
    }
  }
  return found;
}

/** Reads one DER header at `at`: its tag and where its contents start and end (which may be past the end). */
function derItem(bytes: Buffer, at: number): { tag: number; start: number; end: number } | null {
  const tag = bytes[at];
  const first = bytes[at + 1];
  if (tag === undefined || first === undefined) return null;
  if (first < 0x80) return { tag, start: at + 2, end: at + 2 + first };
  const count = first & 0x7f;
  if (count === 0 || count > 3 || at + 2 + count > bytes.length) return null;
  let length = 0;
  for (let index = 0; index < count; index += 1) length = length * 256 + (bytes[at + 2 + index] ?? 0);
  return { tag, start: at + 2 + count, end: at + 2 + count + length };
}

/**
 * An RSAPrivateKey (PKCS#1, and inside every RSA PKCS#8): version 0, then the modulus, the public exponent
 * and the start of the private exponent. A public key has no version and no third number; ciphertext
 * never lines up like this. The private exponent's header is enough, so a cut-off copy is found too.
 */
function isRsaPrivateKeyAt(bytes: Buffer, at: number): boolean {
  const modulus = derItem(bytes, at + 3);
  if (!modulus || modulus.tag !== 0x02 || modulus.end - modulus.start < 64 || modulus.end > bytes.length) {
    return false;
  }
  const exponent = derItem(bytes, modulus.end);
  const exponentLength = exponent ? exponent.end - exponent.start : 0;
  if (
    !exponent ||
    exponent.tag !== 0x02 ||
    exponentLength < 1 ||
    exponentLength > 8 ||
    exponent.end > bytes.length
  ) {
    return false;
  }
  const secret = derItem(bytes, exponent.end);
  return secret !== null && secret.tag === 0x02 && secret.end - secret.start >= 32;
}

const RSA_VERSION_THEN_INTEGER = Buffer.from('02010002', 'hex');
const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----/g;
/** A flat JSON object, as a JWK is; quotes may be escaped when it sits inside another JSON string. */
const FLAT_OBJECT = /\{[^{}]{0,20000}\}/g;
const JWK_D = /\\*"d\\*"\s*:/;
const JWK_PRIME = /\\*"(?:p|q|dp|dq|qi)\\*"\s*:/;

function keyShapes(hay: Haystack, text: string): Leak[] {
  const leaks: Leak[] = [];
  for (const match of text.matchAll(PEM_PRIVATE_KEY)) {
    leaks.push({ what: 'a private key', form: `PEM (${match[1]})`, ...hay.locate(match.index) });
  }
  for (const match of text.matchAll(FLAT_OBJECT)) {
    if (JWK_D.test(match[0]) && JWK_PRIME.test(match[0])) {
      leaks.push({ what: 'a private key', form: 'JWK with private members', ...hay.locate(match.index) });
    }
  }
  for (
    let at = hay.bytes.indexOf(RSA_VERSION_THEN_INTEGER);
    at !== -1 && leaks.length < MAX_LEAKS;
    at = hay.bytes.indexOf(RSA_VERSION_THEN_INTEGER, at + 1)
  ) {
    if (isRsaPrivateKeyAt(hay.bytes, at)) {
      leaks.push({ what: 'an RSA private key', form: 'PKCS#1 RSAPrivateKey DER', ...hay.locate(at) });
    }
  }
  return leaks;
}

const BASE64_RUN = new RegExp(`[A-Za-z0-9+/_-]{${MIN_TOKEN_CHARS},}`, 'g');
const HEX_RUN = new RegExp(`[0-9a-fA-F]{${MIN_TOKEN_CHARS},}`, 'g');

/**
 * What the base64 and hex runs in `text` decode to. A run may start mid-group (a name written right
 * before it, say), so each is decoded from each of its first four characters (two for hex).
 */
function decodedRuns(hay: Haystack, text: string): Piece[] {
  const pieces: Piece[] = [];
  for (const match of text.matchAll(BASE64_RUN)) {
    const { where, at } = hay.locate(match.index);
    for (let shift = 0; shift < 4; shift += 1) {
      pieces.push({ where, origin: at, bytes: Buffer.from(match[0].slice(shift), 'base64') });
    }
  }
  for (const match of text.matchAll(HEX_RUN)) {
    const { where, at } = hay.locate(match.index);
    for (let shift = 0; shift < 2; shift += 1) {
      const run = match[0].slice(shift);
      const bytes = Buffer.from(run.slice(0, run.length - (run.length % 2)), 'hex');
      pieces.push({ where, origin: at, bytes });
    }
  }
  return pieces;
}

/** Every leak of `secrets`, or of any private key at all, in `pieces`; empty when there is none. */
export function findLeaks(pieces: readonly Piece[], secrets: readonly SecretRecord[]): Leak[] {
  const needles = needlesFor(secrets);
  const leaks: Leak[] = [];
  let hay = new Haystack(pieces);
  for (let depth = 0; depth <= DECODE_DEPTH && hay.bytes.length > 0; depth += 1) {
    const decoded = depth === 0 ? '' : ` (base64 or hex, decoded ${depth === 1 ? 'once' : `${depth} times`})`;
    for (const { needle, offset } of searchAll(hay.bytes, needles)) {
      leaks.push({ what: needle.what, form: `${needle.form}${decoded}`, ...hay.locate(offset) });
    }
    // latin1 keeps one character per byte, so offsets in the text are offsets in the bytes.
    const text = hay.bytes.toString('latin1');
    for (const leak of keyShapes(hay, text)) leaks.push({ ...leak, form: `${leak.form}${decoded}` });
    if (leaks.length >= MAX_LEAKS) break;
    hay = new Haystack(decodedRuns(hay, text));
  }
  return leaks;
}

/** One line per kind of leak and place, counted, for a report a person can read. */
export function formatLeaks(leaks: readonly Leak[]): string {
  const lines = new Map<string, { at: number; count: number }>();
  for (const leak of leaks) {
    const line = `${leak.what}, as ${leak.form}, in ${leak.where}`;
    const seen = lines.get(line);
    lines.set(line, { at: seen?.at ?? leak.at, count: (seen?.count ?? 0) + 1 });
  }
  return [...lines]
    .slice(0, 50)
    .map(([line, { at, count }]) => `  - ${line} at byte ${at}${count > 1 ? ` (${count} times)` : ''}`)
    .join('\n');
}
