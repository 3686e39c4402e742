import { randomAuthKey, signUpBody } from '../src/server/testing/test-app';
import { timingSeries, type TimingSeries } from './ring-timing';
import { openTimingApp } from './timing-app';

// DESIGN §5: an unknown account and a wrong password must not be told apart by timing. Both run one scrypt
// (the unknown name against a decoy hash); this measures the two answers' latency through the real app
// on a real SQLite file, interleaved so machine noise falls on both alike.

/** `samples` sign-ins, half with a wrong password for a real account ("real"), half for unknown names. */
export async function runSignInTimingBench(samples = 2_000): Promise<TimingSeries> {
  const runs = samples / 2;
  const { client, close } = await openTimingApp();
  await client.post('/api/accounts', signUpBody('bench-user'));
  const wrong: number[] = [];
  const unknown: number[] = [];
  const time = async (name: string) => {
    const started = performance.now();
    const response = await client.fresh().post('/api/session', { name, authKey: randomAuthKey() });
    if (response.status !== 401) throw new Error(`expected 401, got ${response.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 5; i++) await time('bench-user');
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so whatever the first of two requests pays falls on both kinds.
    if (i % 2 === 0) {
      wrong.push(await time('bench-user'));
      unknown.push(await time(`nobody-${i}`));
    } else {
      unknown.push(await time(`nobody-${i}`));
      wrong.push(await time('bench-user'));
    }
  }
  await close();
  return timingSeries(wrong, unknown);
}
