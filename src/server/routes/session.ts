import { Hono } from 'hono';
import { credentialsSchema, type AccountResponse } from '../../shared/protocol/account';
import { requireAccount, type AppDeps, type AppEnv } from '../app-env';
import { decoyAuthHash, verifyAuthKey } from '../auth/auth-hash';
import { createSession, deleteExpiredSessions, deleteSession } from '../auth/sessions';
import { ApiError, rateLimited } from '../errors';
import { clearSessionCookie, setSessionCookie } from '../middleware/session';
import { jsonBody } from '../middleware/validate';

export function sessionRoutes(deps: AppDeps) {
  const { store, clock, config, rateLimiter } = deps;
  return new Hono<AppEnv>()
    .get('/', (c) => {
      const account = requireAccount(c);
      return c.json({
        account: { name: account.name, createdAt: account.createdAt },
      } satisfies AccountResponse);
    })
    .post('/', jsonBody(credentialsSchema), async (c) => {
      const { name, authKey } = c.req.valid('json');
      // Both limits count unknown names exactly like real ones, so being limited reveals nothing either.
      for (const [key, rule] of [
        [`signin:address:${deps.clientAddress(c)}`, config.rateLimits.signInPerAddress],
        [`signin:account:${name}`, config.rateLimits.signInPerAccount],
      ] as const) {
        const verdict = rateLimiter.hit(key, rule);
        if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
      }

      const account = await store.db
        .selectFrom('accounts')
        .select(['id', 'name', 'auth_hash', 'created_at'])
        .where('name', '=', name)
        .executeTakeFirst();
      // An unknown name runs the same scrypt against a decoy hash: same answer, same time.
      const valid = await verifyAuthKey(authKey, account?.auth_hash ?? (await decoyAuthHash()));
      if (!account || !valid) {
        throw new ApiError(401, 'invalid_credentials', 'That account name and password do not match.');
      }
      const now = clock.now();
      await deleteExpiredSessions(store.db, now);
      setSessionCookie(c, deps, await createSession(store.db, account.id, now, config.sessionTtlMs));
      return c.json({
        account: { name: account.name, createdAt: account.created_at },
      } satisfies AccountResponse);
    })
    .delete('/', async (c) => {
      const token = c.get('sessionToken');
      if (token) await deleteSession(store.db, token);
      clearSessionCookie(c, deps);
      return c.body(null, 204);
    });
}
