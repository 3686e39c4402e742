import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../app-env';
import { manualClock } from '../clock';
import { generateServerKey } from '../server-keys';
import { apiClient, createTestApp, signUpBody, storeTargets, useTestStore } from '../testing/test-app';
import { answerNoSoonerThan } from './answer-floor';

/** A route behind the floor whose work takes `workMs` of the test's clock, then answers or throws. */
function floored(floorMs: number, workMs: number, outcome: 'answer' | 'throw' = 'answer') {
  const clock = manualClock();
  const app = new Hono<AppEnv>()
    .onError((_error, c) => c.json({ error: { code: 'boom', message: 'It failed.' } }, 409))
    .post('/', answerNoSoonerThan(clock, floorMs), async (c) => {
      await clock.sleep(workMs);
      if (outcome === 'throw') throw new Error('refused');
      return c.json({ ok: true }, 201);
    });
  const settled: { at: number | null; status: number | null } = { at: null, status: null };
  const answer = Promise.resolve(app.request('/', { method: 'POST' })).then((response) => {
    settled.at = clock.now() - start;
    settled.status = response.status;
    return response;
  });
  const start = clock.now();
  return { clock, answer, settled };
}

describe('the answer floor', () => {
  it('holds a quick answer until the floor, and lets it go then', async () => {
    const { clock, answer, settled } = floored(250, 3);
    await clock.advance(249);
    expect(settled.at).toBeNull();
    await clock.advance(1);
    expect((await answer).status).toBe(201);
    expect(settled.at).toBe(250);
  });

  it('holds an error answer just as long, so failing fast tells nothing either', async () => {
    const { clock, answer, settled } = floored(250, 0, 'throw');
    await clock.advance(200);
    expect(settled.at).toBeNull();
    await clock.advance(50);
    expect((await answer).status).toBe(409);
    expect(settled.at).toBe(250);
  });

  it('adds nothing to work slower than the floor', async () => {
    const { clock, answer, settled } = floored(25, 40);
    await clock.advance(39);
    expect(settled.at).toBeNull();
    await clock.advance(1);
    expect((await answer).status).toBe(201);
    expect(settled.at).toBe(40);
  });

  it('answers when the work is done with a floor of 0', async () => {
    const { clock, answer, settled } = floored(0, 5);
    await clock.advance(5);
    expect((await answer).status).toBe(201);
    expect(settled.at).toBe(5);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('the answer floors on the routes that must not tell a name by their timing', () => {
  const sqlite = storeTargets().find((target) => target.kind === 'sqlite');
  if (!sqlite) throw new Error('The SQLite store is always a target.');
  const store = useTestStore(sqlite);
  // Signed-in requests refused by validation, so no slow I/O: without the floor they would be answered
  // within the first millisecond of the test's clock.
  const cases = [
    { path: '/api/accounts', floor: 'accountName' },
    { path: '/api/directory/lookup', floor: 'communityName' },
    { path: '/api/ring/invites', floor: 'communityName' },
  ] as const;
  let counter = 0;

  it.each(cases)('$path answers no sooner than its floor', async ({ path, floor }) => {
    const floors = { accountName: 250, communityName: 25 };
    const serverKeys = [generateServerKey()];
    // Signed up where nothing is floored: the floored app's clock stands still until the test moves it.
    const signUp = createTestApp(store(), { serverKeys }).client;
    const signedUp = await signUp.post('/api/accounts', signUpBody(`floor-${process.pid}-${++counter}`));
    expect(signedUp.status).toBe(201);
    const { app, clock } = createTestApp(store(), { serverKeys, answerFloorMs: floors });
    const client = apiClient(app, signUp.cookie);
    let answeredAt: number | null = null;
    const start = clock.now();
    const answer = client.post(path, { name: 7, communityName: 7 }).then((response) => {
      answeredAt = clock.now() - start;
      return response;
    });
    await clock.advance(floors[floor] - 1);
    expect(answeredAt).toBeNull();
    await clock.advance(1);
    expect((await answer).status).toBe(400);
    expect(answeredAt).toBe(floors[floor]);
  });
});
