import { z } from 'zod';
import { isAllowedKeyBits, parseDuration, rules } from '../shared/rules';
import { defaultConfig, type Config, type RateRule } from './config';
import { parseServerKeys, type ServerKey } from './server-keys';

// The only place that reads process.env. A bad value stops the server at start with a message naming the
// variable, rather than running with a surprise default.

const duration = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return fallback;
      const ms = parseDuration(text);
      if (ms === null || ms <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as 250ms, 12s, 5m, 72h or 7d, got "${text}"`,
        });
        return z.NEVER;
      }
      return ms;
    });

const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return fallback;
      // Plain decimal digits only: Number() would also take "0x1F90", "1e3" and " 8080 ".
      const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a whole number from ${min} to ${max}, got "${text}"`,
        });
        return z.NEVER;
      }
      return value;
    });

const flag = z
  .enum(['1', '0', 'true', 'false', ''])
  .optional()
  .transform((text) => text === '1' || text === 'true');

/** "10/15m": at most 10 in any 15 minutes. */
const rate = (fallback: RateRule) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return fallback;
      const [count = '', window] = text.split('/');
      const limit = /^\d{1,10}$/.test(count) ? Number(count) : Number.NaN;
      const windowMs = window === undefined ? null : parseDuration(window);
      if (!Number.isInteger(limit) || limit < 1 || windowMs === null || windowMs <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected COUNT/DURATION such as 10/15m, got "${text}"` });
        return z.NEVER;
      }
      return { limit, windowMs };
    });

/** Proxy hops to trust: "off" (or 0) trusts none. */
const proxyHops = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text === '' || text === 'off' || text === '0') return 0;
    const hops = /^\d{1,2}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(hops) || hops < 1 || hops > 10) {
      ctx.addIssue({
        code: 'custom',
        message: `expected off or a number of proxy hops from 1 to 10, got "${text}"`,
      });
      return z.NEVER;
    }
    return hops;
  });

/** `v1:KEY,v2:KEY`, each KEY 32 bytes in base64url; unset reads the key file in DATA_DIR. */
const serverKeys = z
  .string()
  .optional()
  .transform((text, ctx): ServerKey[] | null => {
    if (text === undefined || text === '') return null;
    const parsed = parseServerKeys(text);
    if (typeof parsed === 'string') {
      // The message never quotes the value: it is a secret.
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const base = defaultConfig();

/** Every setting Ringpost reads; the README's table lists the same names. */
export const settingsSchema = z.object({
  PORT: integer(base.port, 0, 65_535),
  HOST: z.string().optional(),
  DATA_DIR: z.string().min(1).default(base.dataDir),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  RINGPOST_STATIC_DIR: z.string().optional(),
  RINGPOST_SECURE_COOKIES: flag,
  RINGPOST_KEY_BITS: integer(base.keyBits, 1024, 3072).refine(
    isAllowedKeyBits,
    `expected one of ${rules.keyBitsAllowed.join(', ')}`,
  ),
  RINGPOST_HOLD: duration(base.holdMs),
  RINGPOST_RETENTION: duration(base.retentionMs),
  RINGPOST_HISTORY: duration(base.historyMs),
  RINGPOST_REVEAL_IDLE: duration(base.revealIdleMs),
  RINGPOST_OUTBOX_EXPIRY: duration(base.outboxExpiryMs),
  RINGPOST_SEND_TIMEOUT: duration(base.sendTimeoutMs),
  RINGPOST_SEND_TRIES: integer(base.sendTries, 1, 100),
  RINGPOST_KEEPALIVE: duration(base.keepAliveMs),
  RINGPOST_PBKDF2_ITERATIONS: integer(
    base.pbkdf2Iterations,
    rules.pbkdf2MinIterations,
    rules.pbkdf2MaxIterations,
  ),
  RINGPOST_SESSION_TTL: duration(base.sessionTtlMs),
  RINGPOST_SESSION_IDLE: duration(base.sessionIdleMs),
  RINGPOST_SWEEP_INTERVAL: duration(base.sweepIntervalMs),
  RINGPOST_PUSH_SWEEP: duration(base.pushSweepMs),
  RINGPOST_BODY_LIMIT: integer(base.bodyLimitBytes, 1024, 10 * 1024 * 1024),
  RINGPOST_TRUST_PROXY: proxyHops,
  RINGPOST_RATE_SIGNIN_ADDRESS: rate(base.rateLimits.signInPerAddress),
  RINGPOST_RATE_SIGNIN_FAILURES: rate(base.rateLimits.signInFailuresPerAccountAddress),
  RINGPOST_RATE_SIGNIN_ACCOUNT: rate(base.rateLimits.signInFailuresPerAccount),
  RINGPOST_SIGNIN_SLOWDOWN: duration(base.signInSlowdownMs),
  RINGPOST_FLOOR_ACCOUNT_NAME: duration(base.answerFloorMs.accountName),
  RINGPOST_FLOOR_COMMUNITY_NAME: duration(base.answerFloorMs.communityName),
  RINGPOST_RATE_SIGNUP_ADDRESS: rate(base.rateLimits.signUpPerAddress),
  RINGPOST_RATE_CLAIM_NAME: rate(base.rateLimits.claimNamePerAccount),
  RINGPOST_RATE_CLAIM_NAME_ADDRESS: rate(base.rateLimits.claimNamePerAddress),
  RINGPOST_RATE_INVITE: rate(base.rateLimits.invitesPerAccount),
  RINGPOST_RATE_LOOKUP: rate(base.rateLimits.lookupsPerAccount),
  RINGPOST_RATE_SEND: rate(base.rateLimits.sendsPerAccount),
  RINGPOST_SERVER_KEY: serverKeys,
  RINGPOST_INVITE_EXPIRY: duration(base.inviteExpiryMs),
  RINGPOST_DECOY_POOL: integer(base.decoyPoolSize, 0, 100_000),
  RINGPOST_LOG: z
    .enum(['1', '0', 'true', 'false', ''])
    .optional()
    .transform((text) => text !== '0' && text !== 'false'),
});

export const settingNames = Object.keys(settingsSchema.shape) as (keyof typeof settingsSchema.shape)[];

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid settings in the environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    ...base,
    port: e.PORT,
    host: e.HOST || undefined,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    staticDir: e.RINGPOST_STATIC_DIR ?? 'dist',
    secureCookies: e.RINGPOST_SECURE_COOKIES,
    keyBits: e.RINGPOST_KEY_BITS,
    holdMs: e.RINGPOST_HOLD,
    retentionMs: e.RINGPOST_RETENTION,
    // A row cannot leave History before its content is destroyed: the longer of the two applies.
    historyMs: Math.max(e.RINGPOST_HISTORY, e.RINGPOST_RETENTION),
    revealIdleMs: e.RINGPOST_REVEAL_IDLE,
    outboxExpiryMs: e.RINGPOST_OUTBOX_EXPIRY,
    sendTimeoutMs: e.RINGPOST_SEND_TIMEOUT,
    sendTries: e.RINGPOST_SEND_TRIES,
    keepAliveMs: e.RINGPOST_KEEPALIVE,
    pbkdf2Iterations: e.RINGPOST_PBKDF2_ITERATIONS,
    sessionTtlMs: e.RINGPOST_SESSION_TTL,
    sessionIdleMs: e.RINGPOST_SESSION_IDLE,
    sweepIntervalMs: e.RINGPOST_SWEEP_INTERVAL,
    pushSweepMs: e.RINGPOST_PUSH_SWEEP,
    bodyLimitBytes: e.RINGPOST_BODY_LIMIT,
    trustProxyHops: e.RINGPOST_TRUST_PROXY,
    rateLimits: {
      signInPerAddress: e.RINGPOST_RATE_SIGNIN_ADDRESS,
      signInFailuresPerAccountAddress: e.RINGPOST_RATE_SIGNIN_FAILURES,
      signInFailuresPerAccount: e.RINGPOST_RATE_SIGNIN_ACCOUNT,
      signUpPerAddress: e.RINGPOST_RATE_SIGNUP_ADDRESS,
      claimNamePerAccount: e.RINGPOST_RATE_CLAIM_NAME,
      claimNamePerAddress: e.RINGPOST_RATE_CLAIM_NAME_ADDRESS,
      invitesPerAccount: e.RINGPOST_RATE_INVITE,
      lookupsPerAccount: e.RINGPOST_RATE_LOOKUP,
      sendsPerAccount: e.RINGPOST_RATE_SEND,
    },
    serverKeys: e.RINGPOST_SERVER_KEY,
    inviteExpiryMs: e.RINGPOST_INVITE_EXPIRY,
    decoyPoolSize: e.RINGPOST_DECOY_POOL,
    signInSlowdownMs: e.RINGPOST_SIGNIN_SLOWDOWN,
    answerFloorMs: {
      accountName: e.RINGPOST_FLOOR_ACCOUNT_NAME,
      communityName: e.RINGPOST_FLOOR_COMMUNITY_NAME,
    },
    log: e.RINGPOST_LOG,
  };
}
