// Messages and results shared by bench/keygen.ts (Node), the bench page and its worker. Types only.

export const BENCH_PATHS = ['forge-native', 'forge-js-sync', 'forge-js-sliced', 'webcrypto'] as const;
export type BenchPath = (typeof BENCH_PATHS)[number];
export type BenchBits = 1024 | 2048;

export interface BenchJob {
  path: BenchPath;
  bits: BenchBits;
  runs: number;
  warmup: number;
}

export interface BenchJobResult {
  path: BenchPath;
  bits: BenchBits;
  /** Generation plus encoding to SPKI and PKCS#8 DER, one entry per measured run. */
  timesMs: number[];
  /** Every generated key (warm-up included) parsed strictly, had the right size and passed OAEP and PSS. */
  verified: boolean;
  error?: string;
}

export interface SmokeResult {
  bits: BenchBits;
  keygenPath: string;
  generateMs: number;
  activateMs: number;
  restoreMs: number;
  /** Longest gap between main-thread timer ticks (5 ms apart) while the worker activated. */
  maxMainThreadGapMs: number;
  stages: string[];
  /** Fingerprint matches, keys are non-extractable, and OAEP and PSS work against the published SPKI. */
  ok: boolean;
  error?: string;
}

export interface KeygenPageApi {
  runJob(job: BenchJob): Promise<BenchJobResult>;
  smoke(bits: BenchBits): Promise<SmokeResult>;
  /** Main-thread long tasks seen since the page loaded. */
  longTasks(): number;
}
