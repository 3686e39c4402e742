// Statistics for the timing checks: whether two sets of latencies could come from one distribution.

/** Φ(x), the standard normal CDF, from erfc by Numerical Recipes' Chebyshev fit (error below 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

export interface MannWhitney {
  /** U of the first sample: how many of its values exceed the second's (ties count a half). */
  u: number;
  z: number;
  /** Two-sided: how likely a difference this large is when both come from one distribution. */
  p: number;
}

/**
 * The Mann-Whitney U test (two-sided, normal approximation with tie and continuity corrections), right
 * for the thousands of samples the timing checks take. It compares ranks, not means, so the long tail of
 * a noisy machine cannot fake or hide a difference in the bulk.
 */
export function mannWhitney(first: readonly number[], second: readonly number[]): MannWhitney {
  const n1 = first.length;
  const n2 = second.length;
  if (n1 === 0 || n2 === 0) throw new Error('Both samples need at least one value.');
  const all = [
    ...first.map((value) => ({ value, first: true })),
    ...second.map((value) => ({ value, first: false })),
  ].sort((a, b) => a.value - b.value);
  let rankSumFirst = 0;
  let tieTerm = 0;
  for (let start = 0; start < all.length;) {
    let end = start;
    while (end + 1 < all.length && all[end + 1]?.value === all[start]?.value) end++;
    const ties = end - start + 1;
    // Ranks start at 1; tied values share the mean of the ranks they span.
    const rank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index++) if (all[index]?.first) rankSumFirst += rank;
    tieTerm += ties ** 3 - ties;
    start = end + 1;
  }
  const u = rankSumFirst - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance === 0) return { u, z: 0, p: 1 };
  const distance = Math.max(0, Math.abs(u - mean) - 0.5);
  const z = (Math.sign(u - mean) * distance) / Math.sqrt(variance);
  return { u, z, p: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) };
}
