import { rules, type KeyBits, SECOND, MINUTE, HOUR, DAY } from '../shared/rules';
import type { ServerKey } from './server-keys';

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
  historyMs: number;
  revealIdleMs: number;
  outboxExpiryMs: number;
  sendTimeoutMs: number;
  sendTries: number;
  keepAliveMs: number;
  pbkdf2Iterations: number;
  sessionTtlMs: number;
  /** A session no request has used for this long lapses, whatever its TTL says. */
  sessionIdleMs: number;
  bodyLimitBytes: number;
  /** Proxies in front of the server whose `X-Forwarded-For` entries are believed; 0 trusts none. */
  trustProxyHops: number;
  rateLimits: {
    /** Every sign-in attempt (and KDF lookup) from one address. */
    signInPerAddress: RateRule;
    /** Failed sign-ins for one account from one address: past it, that address is refused for a while. */
    signInFailuresPerAccountAddress: RateRule;
    /** Failed sign-ins for one account from anywhere: past it, sign-in slows down rather than locks. */
    signInFailuresPerAccount: RateRule;
    signUpPerAddress: RateRule;
    claimNamePerAccount: RateRule;
    claimNamePerAddress: RateRule;
    /** Invites sent by one account, whatever the names: each answer is alike, so this caps the cost only. */
    invitesPerAccount: RateRule;
    /** Directory look-ups by one account: each unknown name costs a decoy key, so the count is capped. */
    lookupsPerAccount: RateRule;
    /** Messages sent by one account, whoever they are to: every answer is alike, so this caps the cost. */
    sendsPerAccount: RateRule;
  };
  /**
   * The keys that seal stored envelopes, from `RINGPOST_SERVER_KEY`; new rows use the highest version.
   * Null: read (or make, on first start) `DATA_DIR/server-key`.
   */
  serverKeys: ServerKey[] | null;
  /** A pending invite lapses silently this long after it was (last) sent. */
  inviteExpiryMs: number;
  /**
   * Unassigned decoy keys kept ready, so the first look-up of a name takes one from the pool instead of
   * generating an RSA key while the person waits. 0 generates every decoy on demand.
   */
  decoyPoolSize: number;
  /** The delay every sign-in for an account waits once `signInFailuresPerAccount` is used up. */
  signInSlowdownMs: number;
  /**
   * The least time before an answer that must not tell by its timing whether a name exists (DESIGN §5):
   * `accountName` for sign-up (above one slow hash and a flushed commit), `communityName` for directory
   * look-ups and invites. 0 answers as soon as the work is done.
   */
  answerFloorMs: { accountName: number; communityName: number };
  /**
   * The invitee's notice of a new invite waits a random time below this after the inviter's answer has gone,
   * so the work a real name costs (a look-up and a notify) cannot be found by a request sent right after
   * the invite (decision 023). 0 tells at once.
   */
  inviteNoticeJitterMs: number;
  /**
   * How often the background sweeps run: expired sessions and invites, stale rate-limit rows, the decoy pool,
   * held messages past the hold, and events and messages past retention.
   */
  sweepIntervalMs: number;
  /**
   * Several instances on PostgreSQL: how often each reads its connected users' logs again, in case a
   * notification was lost; a lost one delays a push by at most this.
   */
  pushSweepMs: number;
  /** Whether each request is logged (method, raw path, status, time). Errors are always logged. */
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
    historyMs: rules.historyMs,
    revealIdleMs: rules.revealIdleMs,
    outboxExpiryMs: rules.outboxExpiryMs,
    sendTimeoutMs: rules.sendTimeoutMs,
    sendTries: rules.sendTries,
    keepAliveMs: rules.keepAliveMs,
    pbkdf2Iterations: rules.pbkdf2MinIterations,
    sessionTtlMs: 30 * DAY,
    sessionIdleMs: 30 * MINUTE,
    bodyLimitBytes: 64 * 1024,
    trustProxyHops: 0,
    rateLimits: {
      signInPerAddress: { limit: 50, windowMs: 15 * MINUTE },
      signInFailuresPerAccountAddress: { limit: 10, windowMs: 15 * MINUTE },
      signInFailuresPerAccount: { limit: 100, windowMs: HOUR },
      signUpPerAddress: { limit: 20, windowMs: HOUR },
      claimNamePerAccount: { limit: 20, windowMs: HOUR },
      claimNamePerAddress: { limit: 30, windowMs: HOUR },
      invitesPerAccount: { limit: 60, windowMs: HOUR },
      lookupsPerAccount: { limit: 300, windowMs: HOUR },
      sendsPerAccount: { limit: 120, windowMs: MINUTE },
    },
    serverKeys: null,
    inviteExpiryMs: rules.inviteExpiryMs,
    decoyPoolSize: 200,
    signInSlowdownMs: 3 * SECOND,
    answerFloorMs: { accountName: 250, communityName: 25 },
    inviteNoticeJitterMs: SECOND,
    sweepIntervalMs: 10 * MINUTE,
    pushSweepMs: 5 * SECOND,
    log: false,
    ...overrides,
  };
}
