import { signUpBody } from '../src/server/testing/test-app';
import { timingSeries, type TimingSeries } from './ring-timing';
import { openTimingApp } from './timing-app';

// Sign-up must say when an account name is taken (names are unique), but only by its answer: a taken name
// runs the same slow hash as a free one before the name is checked, so the time to the 409 says no more
// than the 409 does, and a free name's 201 costs the same. "real": a taken name; "unknown": a free one.

export async function runSignUpTimingBench(samples = 2_000): Promise<TimingSeries> {
  const { client, close } = await openTimingApp();
  const taken = 'bench-taken';
  await client.post('/api/accounts', signUpBody(taken));
  const takenTimes: number[] = [];
  const freeTimes: number[] = [];
  let fresh = 0;
  const time = async (name: string, status: number) => {
    const started = performance.now();
    const response = await client.fresh().post('/api/accounts', signUpBody(name));
    await response.arrayBuffer();
    const ms = performance.now() - started;
    if (response.status !== status) throw new Error(`sign-up: expected ${status}, got ${response.status}`);
    return ms;
  };
  for (let i = 0; i < 5; i++) await time(`warm-${i}`, 201);
  for (let i = 0; i < samples / 2; i++) {
    const free = `bench-free-${++fresh}`;
    if (i % 2 === 0) {
      takenTimes.push(await time(taken, 409));
      freeTimes.push(await time(free, 201));
    } else {
      freeTimes.push(await time(free, 201));
      takenTimes.push(await time(taken, 409));
    }
  }
  await close();
  return timingSeries(takenTimes, freeTimes);
}
