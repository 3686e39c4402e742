import { Hono } from 'hono';
import { lookupRequestSchema, type LookupResponse } from '../../shared/protocol/directory';
import { requireAccount, type AppDeps, type AppEnv } from '../app-env';
import { findPublishedKeyByName } from '../db/directory';
import { decoyFor } from '../decoy-keys';
import { answerNoSoonerThan } from '../middleware/answer-floor';
import { rateLimit } from '../middleware/rate-limit';
import { jsonBody } from '../middleware/validate';

/**
 * The directory (DESIGN §5): every well-formed name gets a public key, the real one or a stable decoy, and
 * the two cannot be told apart by shape, status, headers or work done; what is left of the work's time
 * (one row read more for a real name) is hidden under the answer floor.
 */
export function directoryRoutes(deps: AppDeps) {
  const { store, clock, config, rateLimiter, decoyKeys } = deps;
  return new Hono<AppEnv>().post(
    '/lookup',
    answerNoSoonerThan(clock, config.answerFloorMs.communityName),
    rateLimit(rateLimiter, config.rateLimits.lookupsPerAccount, (c) => `lookup:${requireAccount(c).id}`),
    jsonBody(lookupRequestSchema),
    async (c) => {
      requireAccount(c);
      const { communityName } = c.req.valid('json');
      // The same steps for every name, in this order: a decoy is made ready first (the first look-up of any
      // name, real or not, takes a pool key or makes one), then the identity is read.
      const decoy = await decoyFor(store.db, decoyKeys, {
        name: communityName,
        bits: config.keyBits,
        now: clock.now(),
      });
      const real = await findPublishedKeyByName(store.db, communityName);
      const key = real ?? decoy;
      return c.json({
        entry: {
          communityName,
          publicKey: key.publicKey,
          fingerprint: key.fingerprint,
          keyBits: key.keyBits,
        },
      } satisfies LookupResponse);
    },
  );
}
