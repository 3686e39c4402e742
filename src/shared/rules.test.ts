import { describe, expect, it } from 'vitest';
import { parseDuration, rules } from './rules';

describe('rules', () => {
  it('holds the seeds’ values', () => {
    expect(rules.messageMaxChars).toBe(160);
    expect(rules.maxStars).toBe(5);
    expect(rules.sendTries * rules.sendTimeoutMs).toBe(60_000);
    expect(rules.holdMs).toBe(72 * 3_600_000);
    expect(rules.retentionMs).toBe(7 * 86_400_000);
    expect(rules.outboxExpiryMs).toBe(12 * 3_600_000);
  });

  it.each([
    ['250ms', 250],
    ['12s', 12_000],
    ['5m', 300_000],
    ['72h', 259_200_000],
    ['7d', 604_800_000],
    [' 1h ', 3_600_000],
  ])('parses %j', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '12', 's', '1.5h', '-1s', '1w', '12 s'])('refuses %j', (text) =>
    expect(parseDuration(text)).toBeNull(),
  );
});
