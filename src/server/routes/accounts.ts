import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { createAccountRequestSchema, type AccountResponse } from '../../shared/protocol/account';
import type { AppDeps, AppEnv } from '../app-env';
import { addressBucket } from '../client-address';
import { insertAccount } from '../db/accounts';
import { createSession } from '../db/sessions';
import { transact } from '../db/transaction';
import { invalidRequest, nameUnavailable } from '../errors';
import { answerNoSoonerThan } from '../middleware/answer-floor';
import { rateLimit } from '../middleware/rate-limit';
import { setSessionCookie } from '../middleware/session';
import { jsonBody } from '../middleware/validate';
import { accountView } from './account-view';

export function accountRoutes(deps: AppDeps) {
  const { store, clock, config, hasher } = deps;
  return new Hono<AppEnv>().post(
    '/',
    // A taken name is told by its 409, but no sooner than a free one's 201, which also writes an account
    // and a session: the time says no more than the answer.
    answerNoSoonerThan(clock, config.answerFloorMs.accountName),
    rateLimit(deps.rateLimiter, config.rateLimits.signUpPerAddress, (c) => {
      return `signup:${addressBucket(deps.clientAddress(c))}`;
    }),
    jsonBody(createAccountRequestSchema),
    async (c) => {
      const { name, authKey, kdfIterations } = c.req.valid('json');
      // The browser derived with the count it read from /api/config; one below the current setting means
      // that page is stale, and an account must never start out weaker than the server asks.
      if (kdfIterations < config.pbkdf2Iterations) {
        throw invalidRequest(
          `kdfIterations: This server asks for at least ${config.pbkdf2Iterations} iterations. Reload the page and try again.`,
        );
      }
      const now = clock.now();
      const account = {
        id: randomUUID(),
        name,
        authHash: await hasher.hash(authKey),
        kdfIterations,
        createdAt: now,
      };
      // The account and its first session are one write: a failure leaves neither behind.
      const token = await transact(store.db, deps, async (trx) => {
        if ((await insertAccount(trx, account)) === 'name_taken') return null;
        return createSession(trx, account.id, now, config.sessionTtlMs);
      });
      if (token === null) throw nameUnavailable('account name');
      setSessionCookie(c, deps, token);
      return c.json({ account: accountView(account) } satisfies AccountResponse, 201);
    },
  );
}
