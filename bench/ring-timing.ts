import { deriveAccountKeys } from '../src/shared/crypto/account-keys';
import { TERMS_VERSION } from '../src/shared/protocol/ring';
import { activationRequest } from '../src/server/testing/activation';
import { signUpBody } from '../src/server/testing/test-app';
import type { Figure } from './report';
import { mannWhitney } from './stats';
import { openTimingApp } from './timing-app';

// DESIGN §5: no timing may tell whether a community name exists. Invites and directory lookups for real
// names and for names nobody holds run through the real app on a real SQLite file, interleaved so machine
// noise falls on both alike. Names are cycled, so both kinds are measured on their first and their later
// requests in the same proportion (a first lookup of any name assigns it a decoy, real or not).

export interface TimingSeries {
  samples: number;
  realMedianMs: number;
  unknownMedianMs: number;
  realP95Ms: number;
  unknownP95Ms: number;
  /** unknown − real, in ms: what an observer would have to detect. */
  medianDifferenceMs: number;
  /** Mann-Whitney, two-sided: below 0.01, the two kinds are told apart by their timing. */
  pValue: number;
}

export interface RingTimingReport {
  invite: TimingSeries;
  lookup: TimingSeries;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
};

export function timingSeries(real: number[], unknown: number[]): TimingSeries {
  const realMedianMs = quantile(real, 0.5);
  const unknownMedianMs = quantile(unknown, 0.5);
  return {
    samples: real.length + unknown.length,
    realMedianMs,
    unknownMedianMs,
    realP95Ms: quantile(real, 0.95),
    unknownP95Ms: quantile(unknown, 0.95),
    medianDifferenceMs: unknownMedianMs - realMedianMs,
    pValue: mannWhitney(real, unknown).p,
  };
}

/** `samples` per endpoint, half real and half unknown; `names` of each kind are cycled through. */
export async function runRingTimingBench(samples = 2_000, names = 40): Promise<RingTimingReport> {
  const { client, deps, close } = await openTimingApp({ decoyPoolSize: names * 3 });
  const expectStatus = async (response: Response, status: number) => {
    if (response.status !== status) {
      throw new Error(`expected ${status}, got ${response.status}: ${await response.text()}`);
    }
  };

  // One wrap key for every bench user: the server never opens a backup, it only checks its shape.
  const { wrapKey } = await deriveAccountKeys(crypto, 'bench', 'a bench password', 600_000);
  const makeNamed = async (accountName: string, communityName: string) => {
    const user = client.fresh();
    await expectStatus(await user.post('/api/accounts', signUpBody(accountName)), 201);
    const { request } = await activationRequest(accountName, wrapKey);
    await expectStatus(await user.post('/api/identity', request), 201);
    await expectStatus(await user.post('/api/identity/community-name', { communityName }), 200);
    return user;
  };

  const caller = await makeNamed('bench-caller', 'bench.caller');
  await expectStatus(await caller.post('/api/ring/terms', { version: TERMS_VERSION }), 200);
  const realNames: string[] = [];
  for (let i = 0; i < names; i++) {
    realNames.push(`real.${i}`);
    await makeNamed(`bench-real-${i}`, `real.${i}`);
  }
  const unknownNames = realNames.map((_, i) => `unknown.${i}`);
  await deps.jobs.runNow('decoy-pool');

  const time = async (path: string, communityName: string, status: number) => {
    const started = performance.now();
    const response = await caller.post(path, { communityName });
    await response.arrayBuffer();
    const ms = performance.now() - started;
    if (response.status !== status) throw new Error(`${path}: expected ${status}, got ${response.status}`);
    return ms;
  };
  const measure = async (path: string, status: number) => {
    const real: number[] = [];
    const unknown: number[] = [];
    // Warm-up: the first requests pay for JIT and statement preparation, which is no one's secret.
    for (let i = 0; i < 20; i++) await time(path, `warm.${i % 5}`, status);
    for (let i = 0; i < samples / 2; i++) {
      const realName = realNames[i % names] ?? '';
      const unknownName = unknownNames[i % names] ?? '';
      // Alternate which goes first, so a cache warmed by one never favours the same kind.
      if (i % 2 === 0) {
        real.push(await time(path, realName, status));
        unknown.push(await time(path, unknownName, status));
      } else {
        unknown.push(await time(path, unknownName, status));
        real.push(await time(path, realName, status));
      }
    }
    return timingSeries(real, unknown);
  };

  const invite = await measure('/api/ring/invites', 202);
  const lookup = await measure('/api/directory/lookup', 200);
  await close();
  return { invite, lookup };
}

/** The enumeration figures: what an observer timing the answers would have to tell apart. */
export function timingFigures(series: Record<'invite' | 'lookup' | 'signIn', TimingSeries>): Figure[] {
  const labels = {
    invite: 'invite: real vs unknown community name',
    lookup: 'directory lookup: real vs unknown community name',
    signIn: 'sign-in: wrong password vs unknown account',
  } as const;
  return (['invite', 'lookup', 'signIn'] as const).map((key) => {
    const figures = series[key];
    return {
      part: 'timing',
      figure: `enumeration timing, ${labels[key]}, median difference`,
      unit: 'ms',
      ringpost: {
        median: Math.abs(figures.medianDifferenceMs),
        p95: Math.abs(figures.unknownP95Ms - figures.realP95Ms),
      },
      peer: { name: '—' },
      ratio: null,
      target: 'median difference < 1 ms',
      met: Math.abs(figures.medianDifferenceMs) < 1,
      note:
        `${figures.samples} interleaved samples; medians real ${figures.realMedianMs.toFixed(3)} ms, ` +
        `unknown ${figures.unknownMedianMs.toFixed(3)} ms, Mann-Whitney p = ${figures.pValue.toPrecision(2)} ` +
        `(p95 column: difference of the p95s)`,
    };
  });
}
