import { describe, expect, it } from 'vitest';
import { mannWhitney, normalCdf } from './stats';

describe('the normal CDF', () => {
  it('matches tabled values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-2.575829)).toBeCloseTo(0.005, 6);
    expect(normalCdf(3.290527)).toBeCloseTo(0.9995, 6);
  });
});

describe('the Mann-Whitney U test', () => {
  it('counts U by hand for small samples, ties as halves', () => {
    // 3 beats 1 and 2; 2 ties 2 (a half) and beats 1: U = 2 + 1.5 = 3.5.
    expect(mannWhitney([3, 2], [1, 2]).u).toBe(3.5);
    expect(mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).u).toBe(0);
  });

  it('gives the textbook p for fully separated samples of five (normal approximation, continuity)', () => {
    // z = (0 − 12.5 + 0.5) / √(5·5·11/12) = −2.5067, two-sided p = 0.01219.
    const result = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(result.z).toBeCloseTo(-2.5067, 3);
    expect(result.p).toBeCloseTo(0.01219, 4);
  });

  it('finds no difference between samples of one distribution, and a clear one after a shift', () => {
    // A fixed, evenly spread sequence: no randomness, so the test cannot flake.
    const base = Array.from({ length: 2_000 }, (_, i) => ((i * 7919) % 2_000) / 1_000);
    const same = base.map((value, i) => base[(i * 31 + 17) % base.length] ?? value);
    expect(mannWhitney(base, same).p).toBeGreaterThan(0.5);
    const shifted = base.map((value) => value + 0.1);
    expect(mannWhitney(base, shifted).p).toBeLessThan(1e-6);
    expect(mannWhitney(base, shifted).z).toBeLessThan(0);
  });

  it('is symmetric in its samples', () => {
    const a = [0.3, 1.2, 2.2, 0.9, 1.7];
    const b = [1.1, 2.5, 0.2, 3.1];
    expect(mannWhitney(a, b).p).toBeCloseTo(mannWhitney(b, a).p, 12);
  });
});
