import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { credentialsSchema, type AccountResponse } from '../../shared/protocol/account';
import type { AppDeps, AppEnv } from '../app-env';
import { hashAuthKey } from '../auth/auth-hash';
import type { Db } from '../db/schema';
import { createSession } from '../auth/sessions';
import { ApiError, rateLimited } from '../errors';
import { jsonBody } from '../middleware/validate';
import { setSessionCookie } from '../middleware/session';

const nameUnavailable = () =>
  new ApiError(409, 'name_unavailable', 'That account name is not available. Please choose another.');

async function nameTaken(db: Db, name: string): Promise<boolean> {
  return (
    (await db.selectFrom('accounts').select('id').where('name', '=', name).executeTakeFirst()) !== undefined
  );
}

export function accountRoutes(deps: AppDeps) {
  const { store, clock, config, rateLimiter } = deps;
  return new Hono<AppEnv>().post('/', jsonBody(credentialsSchema), async (c) => {
    const verdict = rateLimiter.hit(
      `signup:address:${deps.clientAddress(c)}`,
      config.rateLimits.signUpPerAddress,
    );
    if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);

    const { name, authKey } = c.req.valid('json');
    const existing = await nameTaken(store.db, name);
    if (existing) throw nameUnavailable();

    const now = clock.now();
    const id = randomUUID();
    const authHash = await hashAuthKey(authKey);
    try {
      await store.db
        .insertInto('accounts')
        .values({ id, name, auth_hash: authHash, created_at: now })
        .execute();
    } catch (error) {
      // Two sign-ups for one name at once: the unique index decides, the loser hears the same answer.
      const taken = await nameTaken(store.db, name);
      if (taken) throw nameUnavailable();
      throw error;
    }
    setSessionCookie(c, deps, await createSession(store.db, id, now, config.sessionTtlMs));
    return c.json({ account: { name, createdAt: now } } satisfies AccountResponse, 201);
  });
}
