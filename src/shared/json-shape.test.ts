import { describe, expect, it } from 'vitest';
import { hasExactKeys, isRecord } from './json-shape';

describe('isRecord', () => {
  it('takes plain objects, however they were made', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
  });

  it('refuses null, arrays and every other JSON value', () => {
    for (const value of [null, undefined, [], [1], 'x', 0, true])
      expect(isRecord(value), String(value)).toBe(false);
  });
});

describe('hasExactKeys', () => {
  it('takes exactly the named fields, in any order', () => {
    expect(hasExactKeys({ a: 1, b: 2 }, ['a', 'b'])).toBe(true);
    expect(hasExactKeys({ b: 2, a: 1 }, ['a', 'b'])).toBe(true);
    expect(hasExactKeys({}, [])).toBe(true);
  });

  it('refuses a field too many, a field too few, and a renamed field of the same count', () => {
    expect(hasExactKeys({ a: 1, b: 2, c: 3 }, ['a', 'b'])).toBe(false);
    expect(hasExactKeys({ a: 1 }, ['a', 'b'])).toBe(false);
    expect(hasExactKeys({ a: 1, c: 2 }, ['a', 'b'])).toBe(false);
  });

  it('counts only own fields, so a prototype cannot supply a missing one', () => {
    const inherited = Object.create({ b: 2 }) as Record<string, unknown>;
    inherited.a = 1;
    expect(hasExactKeys(inherited, ['a', 'b'])).toBe(false);
  });
});
