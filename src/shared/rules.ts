// The product's limits and timings, taken from the two seed documents (PrivateGSM and Passpack).
// Durations are defaults: the server reads overrides from the environment and publishes the values in
// force at GET /api/config, so one setting changes both sides.

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const rules = {
  /** User-perceived characters (grapheme clusters), counted with Intl.Segmenter. */
  messageMaxChars: 160,
  /** The padded plaintext is 1,024 bytes with a 2-byte length prefix. */
  messageMaxUtf8Bytes: 1_022,
  maxStars: 5,
  keyBitsAllowed: [1024, 2048, 3072] as const,
  defaultKeyBits: 1024,
  sendTries: 5,
  sendTimeoutMs: 12 * SECOND,
  outboxExpiryMs: 12 * HOUR,
  holdMs: 72 * HOUR,
  retentionMs: 7 * DAY,
  /** How long History lists a message after its content is destroyed (the row only). */
  historyMs: 7 * DAY,
  /** A shown message hides again after this long with nobody using the page. */
  revealIdleMs: 60 * SECOND,
  keepAliveMs: 25 * SECOND,
  /** A pending invite lapses silently after this long. */
  inviteExpiryMs: 30 * DAY,
  /** OWASP's 2023 floor for PBKDF2-HMAC-SHA-256; the client refuses a server that asks for fewer. */
  pbkdf2MinIterations: 600_000,
  /** A ceiling so a hostile or mistaken setting cannot make every sign-in take minutes. */
  pbkdf2MaxIterations: 10_000_000,
  passwordMinChars: 10,
  passwordMaxChars: 1_024,
} as const;

export type KeyBits = (typeof rules.keyBitsAllowed)[number];

export function isAllowedKeyBits(bits: unknown): bits is KeyBits {
  return (rules.keyBitsAllowed as readonly unknown[]).includes(bits);
}

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY } as const;

/** Parses "250ms", "12s", "5m", "72h", "7d" into milliseconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const [, amount, unit] = match;
  if (amount === undefined || unit === undefined) return null;
  return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}
