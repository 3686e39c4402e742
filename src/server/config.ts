import { rules, type KeyBits, MINUTE, DAY } from '../shared/rules';

export interface RateRule {
  limit: number;
  windowMs: number;
}

/** Everything the server may be configured with; env.ts builds it from the environment, tests build it directly. */
export interface Config {
  port: number;
  /** Interface to listen on; unset listens on all. */
  host: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Where the built SPA lives; null serves the API alone (tests, `vite` dev server). */
  staticDir: string | null;
  /** Set when the app is reached over HTTPS: cookies become Secure and `__Host-` prefixed. */
  secureCookies: boolean;
  keyBits: KeyBits;
  holdMs: number;
  retentionMs: number;
  outboxExpiryMs: number;
  sendTimeoutMs: number;
  sendTries: number;
  keepAliveMs: number;
  pbkdf2Iterations: number;
  sessionTtlMs: number;
  bodyLimitBytes: number;
  rateLimits: {
    signInPerAccount: RateRule;
    signInPerAddress: RateRule;
    signUpPerAddress: RateRule;
    claimNamePerAccount: RateRule;
  };
  log: boolean;
}

export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 8080,
    host: undefined,
    dataDir: './data',
    databaseUrl: undefined,
    staticDir: null,
    secureCookies: false,
    keyBits: rules.defaultKeyBits,
    holdMs: rules.holdMs,
    retentionMs: rules.retentionMs,
    outboxExpiryMs: rules.outboxExpiryMs,
    sendTimeoutMs: rules.sendTimeoutMs,
    sendTries: rules.sendTries,
    keepAliveMs: rules.keepAliveMs,
    pbkdf2Iterations: rules.pbkdf2MinIterations,
    sessionTtlMs: 30 * DAY,
    bodyLimitBytes: 64 * 1024,
    rateLimits: {
      signInPerAccount: { limit: 10, windowMs: 15 * MINUTE },
      signInPerAddress: { limit: 50, windowMs: 15 * MINUTE },
      signUpPerAddress: { limit: 20, windowMs: 60 * MINUTE },
      claimNamePerAccount: { limit: 20, windowMs: 60 * MINUTE },
    },
    log: false,
    ...overrides,
  };
}
