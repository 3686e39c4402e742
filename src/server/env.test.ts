import { describe, expect, it } from 'vitest';
import { configFromEnv, settingNames } from './env';

type SettingName = (typeof settingNames)[number];

/** A variable whose every string is a valid value, and why; it has no bad value to refuse. */
interface FreeText {
  anyString: string;
}

// Each bad value is tried on its own, so a variable whose check is lost fails here under its own name
// instead of hiding behind another variable's error. The type makes a new setting without a row a compile
// error; the first test makes it a test failure too.
const badValues: Record<SettingName, readonly string[] | FreeText> = {
  PORT: ['http', '-1', '65536', '80.5'],
  HOST: { anyString: 'any interface name or address; Node reports an unknown one when it listens' },
  DATA_DIR: [''],
  DATABASE_URL: ['mysql://u@127.0.0.1/db', 'sqlite:data.db', 'postgres:/x', '127.0.0.1:5432'],
  RINGPOST_STATIC_DIR: { anyString: 'any folder name; a missing folder serves the API alone' },
  RINGPOST_SECURE_COOKIES: ['yes', 'on', 'TRUE', '2'],
  RINGPOST_KEY_BITS: ['1000', '1536', '4096', '512', 'big'],
  RINGPOST_HOLD: ['forever', '0s', '-5m', '12', '3 days'],
  RINGPOST_RETENTION: ['forever', '0d', '1w'],
  RINGPOST_OUTBOX_EXPIRY: ['soon', '0h', '12H'],
  RINGPOST_SEND_TIMEOUT: ['quick', '0ms', '1.5s'],
  RINGPOST_SEND_TRIES: ['0', '101', 'five', '2.5'],
  RINGPOST_KEEPALIVE: ['often', '0s', '25'],
  RINGPOST_HISTORY: ['a week', '7'],
  RINGPOST_REVEAL_IDLE: ['soon', '0s'],
  RINGPOST_PBKDF2_ITERATIONS: ['1000', '599999', '10000001', 'lots'],
  RINGPOST_SESSION_TTL: ['long', '0d', '30days'],
  RINGPOST_SESSION_IDLE: ['a while', '0m', '30'],
  RINGPOST_SWEEP_INTERVAL: ['often', '0s', '10'],
  RINGPOST_PUSH_SWEEP: ['soon', '0s', '5'],
  RINGPOST_BODY_LIMIT: ['1023', '10485761', '64k'],
  RINGPOST_TRUST_PROXY: ['on', 'true', '11', '-1', '1.5'],
  RINGPOST_RATE_SIGNIN_ADDRESS: ['50', '50/', '0/15m', 'ten/15m', '50/forever', '50/0s', '1.5/1m'],
  RINGPOST_RATE_SIGNIN_FAILURES: ['10', '0/15m', '10/never'],
  RINGPOST_RATE_SIGNIN_ACCOUNT: ['100', '0/1h', '100/1 hour'],
  RINGPOST_SIGNIN_SLOWDOWN: ['slow', '0s', '3'],
  RINGPOST_FLOOR_ACCOUNT_NAME: ['0s', '250', 'quick'],
  RINGPOST_FLOOR_COMMUNITY_NAME: ['-1ms', '25'],
  RINGPOST_RATE_SIGNUP_ADDRESS: ['20', '-1/1h', '20/h'],
  RINGPOST_RATE_CLAIM_NAME: ['20', '0/1h', 'x/1h'],
  RINGPOST_RATE_CLAIM_NAME_ADDRESS: ['30', '0/1h', '30/0m'],
  RINGPOST_RATE_INVITE: ['60', '0/1h', 'many/1h', '60/soon'],
  RINGPOST_RATE_LOOKUP: ['300', '0/1h', '300/1 h', '-3/1h'],
  RINGPOST_RATE_SEND: ['120', '0/1m', 'lots/1m', '120/1 min'],
  RINGPOST_SERVER_KEY: [
    'short',
    `v1:${'A'.repeat(42)}`,
    `v1:${'A'.repeat(44)}`,
    `v0:${'A'.repeat(43)}`,
    `v1:${'A'.repeat(43)},v1:${'B'.repeat(43)}`,
    `${'A'.repeat(43)},v2:${'B'.repeat(43)}`,
    `v1:${'A'.repeat(42)}+`,
    ',',
  ],
  RINGPOST_INVITE_EXPIRY: ['never', '0d', '30', '1month'],
  RINGPOST_DECOY_POOL: ['-1', '100001', 'lots', '1.5'],
  RINGPOST_LOG: ['yes', 'off', 'TRUE'],
};

/** The row for `name`; undefined when a setting was added to env.ts without one. */
const badValuesOf = (name: SettingName): (typeof badValues)[SettingName] | undefined => badValues[name];

/** The variables an error message names, one per line ("  NAME: why"). */
function namesInError(env: Record<string, string>): string[] {
  try {
    configFromEnv(env);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [...message.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1] ?? '');
  }
  return [];
}

describe('settings from the environment', () => {
  it('has a bad-value case, or a reason it has none, for every variable the server reads', () => {
    expect(settingNames.length).toBeGreaterThan(0);
    for (const name of settingNames) {
      const cases = badValuesOf(name);
      expect(cases, `${name} has no row in badValues`).toBeDefined();
      if (cases && !('anyString' in cases)) expect(cases.length, name).toBeGreaterThan(0);
    }
    // A row for a variable the server no longer reads would test nothing.
    expect(Object.keys(badValues).sort()).toEqual([...settingNames].sort());
  });

  describe.each(settingNames.map((name) => ({ name, cases: badValuesOf(name) })))(
    '$name',
    ({ name, cases }) => {
      // The first test names a variable without a row.
      if (cases === undefined) return;
      if ('anyString' in cases) {
        // Should a check be added later, this fails and asks for bad values instead.
        it('takes any string, so it has no bad value', () => {
          expect(() => configFromEnv({ [name]: ' odd value / with spaces ' })).not.toThrow();
        });
      } else {
        it.each(cases)(`refuses %j on its own, naming ${name} and nothing else`, (value) => {
          expect(namesInError({ [name]: value })).toEqual([name]);
        });
      }
    },
  );

  it('names every bad variable when several are bad', () => {
    expect(
      namesInError({ RINGPOST_HOLD: 'forever', RINGPOST_KEY_BITS: '1000', DATABASE_URL: 'mysql://x' }).sort(),
    ).toEqual(['DATABASE_URL', 'RINGPOST_HOLD', 'RINGPOST_KEY_BITS']);
  });

  it('uses the documented defaults when nothing is set', () => {
    const config = configFromEnv({});
    expect(config).toMatchObject({
      port: 8080,
      host: undefined,
      dataDir: './data',
      databaseUrl: undefined,
      staticDir: 'dist',
      secureCookies: false,
      keyBits: 1024,
      holdMs: 72 * 3_600_000,
      retentionMs: 7 * 86_400_000,
      historyMs: 7 * 86_400_000,
      revealIdleMs: 60_000,
      outboxExpiryMs: 12 * 3_600_000,
      sendTimeoutMs: 12_000,
      sendTries: 5,
      keepAliveMs: 25_000,
      pbkdf2Iterations: 600_000,
      sessionTtlMs: 30 * 86_400_000,
      bodyLimitBytes: 65_536,
      trustProxyHops: 0,
      rateLimits: {
        signInPerAddress: { limit: 50, windowMs: 15 * 60_000 },
        signInFailuresPerAccountAddress: { limit: 10, windowMs: 15 * 60_000 },
        signInFailuresPerAccount: { limit: 100, windowMs: 3_600_000 },
        signUpPerAddress: { limit: 20, windowMs: 3_600_000 },
        claimNamePerAccount: { limit: 20, windowMs: 3_600_000 },
        claimNamePerAddress: { limit: 30, windowMs: 3_600_000 },
        invitesPerAccount: { limit: 60, windowMs: 3_600_000 },
        lookupsPerAccount: { limit: 300, windowMs: 3_600_000 },
        sendsPerAccount: { limit: 120, windowMs: 60_000 },
      },
      serverKeys: null,
      inviteExpiryMs: 30 * 86_400_000,
      decoyPoolSize: 200,
      signInSlowdownMs: 3_000,
      log: true,
    });
    // Empty is the same as unset, as `NAME=` in an env file gives. DATA_DIR refuses empty (see badValues),
    // and an empty RINGPOST_STATIC_DIR is taken as given.
    const blank = settingNames.filter((name) => name !== 'DATA_DIR' && name !== 'RINGPOST_STATIC_DIR');
    expect(configFromEnv(Object.fromEntries(blank.map((name) => [name, ''])))).toEqual(config);
  });

  it('reads a good value of every variable', () => {
    const good: Record<SettingName, string> = {
      PORT: '9000',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/ringpost',
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
      RINGPOST_STATIC_DIR: '/srv/ringpost/app',
      RINGPOST_SECURE_COOKIES: '1',
      RINGPOST_KEY_BITS: '2048',
      RINGPOST_HOLD: '90s',
      RINGPOST_RETENTION: '2d',
      RINGPOST_OUTBOX_EXPIRY: '6h',
      RINGPOST_SEND_TIMEOUT: '250ms',
      RINGPOST_SEND_TRIES: '7',
      RINGPOST_KEEPALIVE: '10s',
      RINGPOST_HISTORY: '3d',
      RINGPOST_REVEAL_IDLE: '15s',
      RINGPOST_PBKDF2_ITERATIONS: '700000',
      RINGPOST_SESSION_TTL: '7d',
      RINGPOST_SESSION_IDLE: '15m',
      RINGPOST_SWEEP_INTERVAL: '1m',
      RINGPOST_PUSH_SWEEP: '2s',
      RINGPOST_BODY_LIMIT: '2048',
      RINGPOST_TRUST_PROXY: '2',
      RINGPOST_RATE_SIGNIN_ADDRESS: '40/10m',
      RINGPOST_RATE_SIGNIN_FAILURES: '5/5m',
      RINGPOST_RATE_SIGNIN_ACCOUNT: '3/1m',
      RINGPOST_SIGNIN_SLOWDOWN: '1500ms',
      RINGPOST_FLOOR_ACCOUNT_NAME: '400ms',
      RINGPOST_FLOOR_COMMUNITY_NAME: '40ms',
      RINGPOST_RATE_SIGNUP_ADDRESS: '4/1d',
      RINGPOST_RATE_CLAIM_NAME: '6/2h',
      RINGPOST_RATE_CLAIM_NAME_ADDRESS: '8/3h',
      RINGPOST_RATE_INVITE: '9/4h',
      RINGPOST_RATE_LOOKUP: '11/5m',
      RINGPOST_RATE_SEND: '12/30s',
      RINGPOST_SERVER_KEY: `v1:${'A'.repeat(43)}, v3:${'_'.repeat(43)}`,
      RINGPOST_INVITE_EXPIRY: '14d',
      RINGPOST_DECOY_POOL: '0',
      RINGPOST_LOG: '0',
    };
    expect(Object.keys(good).sort()).toEqual([...settingNames].sort());
    expect(configFromEnv(good)).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      dataDir: '/var/lib/ringpost',
      databaseUrl: 'postgres://u@127.0.0.1/db',
      staticDir: '/srv/ringpost/app',
      secureCookies: true,
      keyBits: 2048,
      holdMs: 90_000,
      retentionMs: 2 * 86_400_000,
      historyMs: 3 * 86_400_000,
      revealIdleMs: 15_000,
      outboxExpiryMs: 6 * 3_600_000,
      sendTimeoutMs: 250,
      sendTries: 7,
      keepAliveMs: 10_000,
      pbkdf2Iterations: 700_000,
      sessionTtlMs: 7 * 86_400_000,
      sessionIdleMs: 15 * 60_000,
      sweepIntervalMs: 60_000,
      pushSweepMs: 2_000,
      bodyLimitBytes: 2048,
      trustProxyHops: 2,
      rateLimits: {
        signInPerAddress: { limit: 40, windowMs: 10 * 60_000 },
        signInFailuresPerAccountAddress: { limit: 5, windowMs: 5 * 60_000 },
        signInFailuresPerAccount: { limit: 3, windowMs: 60_000 },
        signUpPerAddress: { limit: 4, windowMs: 86_400_000 },
        claimNamePerAccount: { limit: 6, windowMs: 2 * 3_600_000 },
        claimNamePerAddress: { limit: 8, windowMs: 3 * 3_600_000 },
        invitesPerAccount: { limit: 9, windowMs: 4 * 3_600_000 },
        lookupsPerAccount: { limit: 11, windowMs: 5 * 60_000 },
        sendsPerAccount: { limit: 12, windowMs: 30_000 },
      },
      serverKeys: [
        { version: 1, key: new Uint8Array(32) },
        { version: 3, key: new Uint8Array(32).fill(255) },
      ],
      inviteExpiryMs: 14 * 86_400_000,
      decoyPoolSize: 0,
      signInSlowdownMs: 1_500,
      answerFloorMs: { accountName: 400, communityName: 40 },
      log: false,
    });
  });

  it('reads the other spellings of flags and proxy hops', () => {
    expect(configFromEnv({ RINGPOST_SECURE_COOKIES: 'true', RINGPOST_LOG: 'false' })).toMatchObject({
      secureCookies: true,
      log: false,
    });
    expect(configFromEnv({ RINGPOST_SECURE_COOKIES: '0', RINGPOST_LOG: '1' })).toMatchObject({
      secureCookies: false,
      log: true,
    });
    for (const [text, hops] of [
      ['off', 0],
      ['0', 0],
      ['1', 1],
      ['10', 10],
    ] as const) {
      expect(configFromEnv({ RINGPOST_TRUST_PROXY: text }).trustProxyHops, text).toBe(hops);
    }
    expect(configFromEnv({ DATABASE_URL: 'postgresql://u@db/ringpost' }).databaseUrl).toBe(
      'postgresql://u@db/ringpost',
    );
  });

  it('reads one bare server key as version 1, and never quotes a bad key in its message', () => {
    expect(configFromEnv({ RINGPOST_SERVER_KEY: '_'.repeat(43) }).serverKeys).toEqual([
      { version: 1, key: new Uint8Array(32).fill(255) },
    ]);
    const secret = `v1:${'S'.repeat(41)}`;
    expect(() => configFromEnv({ RINGPOST_SERVER_KEY: secret })).toThrowError(/RINGPOST_SERVER_KEY/);
    expect(() => configFromEnv({ RINGPOST_SERVER_KEY: secret })).not.toThrowError(/SSSS/);
  });

  it('takes numbers only as plain decimal digits', () => {
    for (const text of ['0x1F90', '1e3', ' 8080 ', '8080.0', '+80']) {
      expect(() => configFromEnv({ PORT: text }), text).toThrowError(/PORT/);
    }
    expect(() => configFromEnv({ RINGPOST_RATE_SIGNUP_ADDRESS: '0x10/1h' })).toThrowError(
      /RINGPOST_RATE_SIGNUP_ADDRESS/,
    );
    expect(() => configFromEnv({ RINGPOST_TRUST_PROXY: '1e0' })).toThrowError(/RINGPOST_TRUST_PROXY/);
  });
});
