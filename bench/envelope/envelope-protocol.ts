// Messages and results shared by bench/envelope.ts (Node), the bench page and its worker. Types only.

export const ENVELOPE_BENCH_BITS = [1024, 2048] as const;
export type EnvelopeBenchBits = (typeof ENVELOPE_BENCH_BITS)[number];

/** The peer: OpenPGP.js 6 in the same worker, sign-then-encrypt and decrypt-and-verify, same text. */
export const OPENPGP_PEERS = ['openpgp-curve25519', 'openpgp-rsa2048'] as const;
export type OpenPgpPeer = (typeof OPENPGP_PEERS)[number];

export interface EnvelopeJob {
  bits: EnvelopeBenchBits;
  runs: number;
  warmup: number;
  /** Run the peer instead of envelope v1 (`bits` then only labels the job). */
  peer?: OpenPgpPeer;
}

export interface EnvelopeJobResult {
  bits: EnvelopeBenchBits;
  /** sealEnvelope alone, one entry per measured run. */
  sealMs: number[];
  /** openEnvelope alone, one entry per measured run. */
  openMs: number[];
  /** The text measured: user-perceived characters and UTF-8 bytes. */
  textCharacters: number;
  textBytes: number;
  /** Whether the worker's timer had fine (5 µs) resolution rather than 100 µs steps. */
  crossOriginIsolated: boolean;
  /** Every envelope (warm-up included) opened to the text sealed, and every private key was non-extractable. */
  verified: boolean;
  /**
   * Envelope v1 jobs: single WebCrypto calls on the same keys, each timed alone, one entry per run; the
   * floor that sealing and opening stand on (bench/README.md, "the crypto path").
   */
  primitivesMs?: Record<EnvelopePrimitive, number[]>;
  error?: string;
}

/**
 * sign: RSA-PSS-SHA-256 over the envelope's signed bytes (the one private-key operation of a seal);
 * verify: its check; unwrap: RSA-OAEP unwrap of the message key (the private-key operation of an open);
 * hop: SHA-256 of 32 bytes, what any one WebCrypto call costs before it does any work.
 */
export const ENVELOPE_PRIMITIVES = ['sign', 'verify', 'unwrap', 'hop'] as const;
export type EnvelopePrimitive = (typeof ENVELOPE_PRIMITIVES)[number];

export interface LongTaskSummary {
  count: number;
  totalMs: number;
  longestMs: number;
}

export interface EnvelopePageResult {
  result: EnvelopeJobResult;
  /** Main-thread long tasks (over 50 ms) observed while the worker ran the job. */
  longTasks: LongTaskSummary;
}

export interface EnvelopePageApi {
  runJob(job: EnvelopeJob): Promise<EnvelopePageResult>;
}
