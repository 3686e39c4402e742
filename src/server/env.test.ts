import { describe, expect, it } from 'vitest';
import { configFromEnv } from './env';

describe('settings from the environment', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = configFromEnv({});
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('./data');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.keyBits).toBe(1024);
    expect(config.holdMs).toBe(72 * 3600_000);
    expect(config.retentionMs).toBe(7 * 86_400_000);
    expect(config.outboxExpiryMs).toBe(12 * 3600_000);
    expect(config.sendTimeoutMs).toBe(12_000);
    expect(config.sendTries).toBe(5);
    expect(config.keepAliveMs).toBe(25_000);
    expect(config.pbkdf2Iterations).toBe(600_000);
  });

  it('reads durations, sizes and the database URL', () => {
    const config = configFromEnv({
      PORT: '9000',
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
      RINGPOST_KEY_BITS: '2048',
      RINGPOST_HOLD: '90s',
      RINGPOST_RETENTION: '2d',
      RINGPOST_SEND_TIMEOUT: '250ms',
      RINGPOST_RATE_SIGNIN_ACCOUNT: '3/1m',
    });
    expect(config.port).toBe(9000);
    expect(config.databaseUrl).toBe('postgres://u@127.0.0.1/db');
    expect(config.keyBits).toBe(2048);
    expect(config.holdMs).toBe(90_000);
    expect(config.retentionMs).toBe(2 * 86_400_000);
    expect(config.sendTimeoutMs).toBe(250);
    expect(config.rateLimits.signInPerAccount).toEqual({ limit: 3, windowMs: 60_000 });
  });

  it('stops with a message naming every bad variable', () => {
    expect(() =>
      configFromEnv({
        RINGPOST_HOLD: 'forever',
        RINGPOST_KEY_BITS: '1000',
        RINGPOST_PBKDF2_ITERATIONS: '1000',
      }),
    ).toThrowError(
      /RINGPOST_HOLD[\s\S]*RINGPOST_KEY_BITS[\s\S]*RINGPOST_PBKDF2_ITERATIONS|RINGPOST_KEY_BITS/,
    );
    expect(() => configFromEnv({ DATABASE_URL: 'mysql://x' })).toThrowError(/DATABASE_URL/);
  });
});
