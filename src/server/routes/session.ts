import { Hono } from 'hono';
import {
  credentialsSchema,
  kdfRequestSchema,
  type AccountResponse,
  type KdfResponse,
  type SessionResponse,
} from '../../shared/protocol/account';
import type { AppDeps, AppEnv } from '../app-env';
import { addressBucket } from '../client-address';
import { findAccountByName } from '../db/accounts';
import { createSession, deleteSession } from '../db/sessions';
import { transact } from '../db/transaction';
import { invalidCredentials, rateLimited } from '../errors';
import { rateLimit } from '../middleware/rate-limit';
import { clearSessionCookie, setSessionCookie } from '../middleware/session';
import { jsonBody } from '../middleware/validate';
import { accountView, kdfParams } from './account-view';

export function sessionRoutes(deps: AppDeps) {
  const { store, clock, config, rateLimiter, hasher } = deps;
  const limits = config.rateLimits;
  const address = (c: Parameters<typeof deps.clientAddress>[0]) => addressBucket(deps.clientAddress(c));

  return (
    new Hono<AppEnv>()
      // Signed out is an answer, not an error: the first visit's check logs no failed request.
      .get('/', (c) => {
        const account = c.get('account');
        return c.json({ account: account ? accountView(account) : null } satisfies SessionResponse);
      })
      /**
       * The parameters to derive this account's keys with, asked before sign-in. An unknown name gets the
       * server's current parameters, which is what every account has unless the setting was raised since.
       */
      .post(
        '/kdf',
        rateLimit(rateLimiter, limits.signInPerAddress, (c) => `kdf:${address(c)}`),
        jsonBody(kdfRequestSchema),
        async (c) => {
          const { name } = c.req.valid('json');
          const account = await findAccountByName(store.db, name);
          return c.json({
            kdf: kdfParams(name, account?.kdfIterations ?? config.pbkdf2Iterations),
          } satisfies KdfResponse);
        },
      )
      /**
       * Login protection as rate-limiter-flexible describes it: failures are counted per (account,
       * address), which refuses a guesser without locking the owner out from elsewhere, and per account
       * from anywhere, which past a higher ceiling slows every attempt down but still lets the right
       * password in. Unknown names are counted exactly like real ones, so no limit tells them apart.
       */
      .post(
        '/',
        rateLimit(rateLimiter, limits.signInPerAddress, (c) => `signin:${address(c)}`),
        jsonBody(credentialsSchema),
        async (c) => {
          const { name, authKey } = c.req.valid('json');
          const pairKey = `signin-fail:${name}:${address(c)}`;
          const accountKey = `signin-fail:${name}`;
          const pair = await rateLimiter.check(pairKey, limits.signInFailuresPerAccountAddress);
          if (!pair.allowed) throw rateLimited(pair.retryAfterSeconds, 'for this account');
          if (!(await rateLimiter.check(accountKey, limits.signInFailuresPerAccount)).allowed) {
            await clock.sleep(config.signInSlowdownMs);
          }

          const account = await findAccountByName(store.db, name);
          const valid = await hasher.verify(authKey, account?.authHash ?? null);
          if (!account || !valid) {
            await rateLimiter.hit(pairKey, limits.signInFailuresPerAccountAddress);
            await rateLimiter.hit(accountKey, limits.signInFailuresPerAccount);
            throw invalidCredentials();
          }
          await rateLimiter.reset(pairKey, limits.signInFailuresPerAccountAddress);
          // Signing in again from a signed-in browser replaces its session instead of leaving it alive.
          const previous = c.get('session');
          const token = await transact(store.db, deps, async (trx) => {
            if (previous) await deleteSession(trx, previous.token);
            return createSession(trx, account.id, clock.now(), config.sessionTtlMs);
          });
          if (previous) deps.streams.endSession(previous.key);
          setSessionCookie(c, deps, token);
          return c.json({ account: accountView(account) } satisfies AccountResponse);
        },
      )
      .delete('/', async (c) => {
        const session = c.get('session');
        if (session) {
          await deleteSession(store.db, session.token);
          // The browser closes its own stream, but one left open (another tab, a lost unload) must not go
          // on carrying events to a signed-out browser.
          deps.streams.endSession(session.key);
        }
        clearSessionCookie(c, deps);
        return c.body(null, 204);
      })
  );
}
