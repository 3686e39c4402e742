import { Hono } from 'hono';
import { CryptoError } from '../../shared/crypto/crypto-error';
import { fromBase64Url } from '../../shared/crypto/encoding';
import { forgeRsa } from '../../shared/crypto/forge-lib';
import { parseKeyBackup } from '../../shared/crypto/key-backup';
import { checkPublishedPublicKey } from '../../shared/crypto/public-key';
import {
  activateRequestSchema,
  claimNameRequestSchema,
  type Identity,
  type IdentityResponse,
} from '../../shared/protocol/identity';
import { requireAccount, type AppDeps, type AppEnv } from '../app-env';
import type { Db, IdentitiesTable } from '../db/schema';
import { ApiError, rateLimited } from '../errors';
import { jsonBody } from '../middleware/validate';

function toIdentity(row: IdentitiesTable): Identity {
  return {
    publicKey: row.public_key,
    fingerprint: row.fingerprint,
    keyBits: row.key_bits,
    backup: parseKeyBackup(JSON.parse(row.key_backup)),
    communityName: row.community_name,
    activatedAt: row.activated_at,
  };
}

function findIdentity(db: Db, accountId: string) {
  return db.selectFrom('identities').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

async function communityNameTaken(db: Db, communityName: string): Promise<boolean> {
  const row = await db
    .selectFrom('identities')
    .select('account_id')
    .where('community_name', '=', communityName)
    .executeTakeFirst();
  return row !== undefined;
}

const alreadyActivated = () =>
  new ApiError(
    409,
    'already_activated',
    'Sharing is already active for this account. Sign in again to restore its keys from your encrypted backup.',
  );

const nameUnavailable = () =>
  new ApiError(409, 'name_unavailable', 'That community name is not available. Please choose another.');

export function identityRoutes(deps: AppDeps) {
  const { store, clock, config, rateLimiter } = deps;
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const account = requireAccount(c);
      const row = await findIdentity(store.db, account.id);
      return c.json({ identity: row ? toIdentity(row) : null } satisfies IdentityResponse);
    })
    .post('/', jsonBody(activateRequestSchema), async (c) => {
      const account = requireAccount(c);
      const request = c.req.valid('json');
      // One identity per account, ever: a second activation would silently orphan every message to the first.
      if (await findIdentity(store.db, account.id)) throw alreadyActivated();

      let spki: Uint8Array;
      try {
        spki = fromBase64Url(request.publicKey);
        const { bits } = await checkPublishedPublicKey(forgeRsa, crypto.subtle, spki, request.fingerprint);
        if (bits !== request.keyBits) {
          throw new ApiError(
            400,
            'invalid_request',
            `keyBits: The public key has ${bits} bits, not ${request.keyBits}.`,
          );
        }
      } catch (error) {
        if (error instanceof CryptoError)
          throw new ApiError(400, 'invalid_request', `publicKey: ${error.message}`);
        if (error instanceof ApiError) throw error;
        throw new ApiError(400, 'invalid_request', 'publicKey: The public key must be base64url.');
      }

      const row: IdentitiesTable = {
        account_id: account.id,
        community_name: null,
        public_key: request.publicKey,
        fingerprint: request.fingerprint,
        key_bits: request.keyBits,
        key_backup: JSON.stringify(request.backup),
        activated_at: clock.now(),
        named_at: null,
      };
      try {
        await store.db.insertInto('identities').values(row).execute();
      } catch (error) {
        if (await findIdentity(store.db, account.id)) throw alreadyActivated();
        const sameKey = await store.db
          .selectFrom('identities')
          .select('account_id')
          .where('fingerprint', '=', request.fingerprint)
          .executeTakeFirst();
        if (sameKey)
          throw new ApiError(409, 'invalid_request', 'publicKey: This public key is already in use.');
        throw error;
      }
      return c.json({ identity: toIdentity(row) } satisfies IdentityResponse, 201);
    })
    .post('/community-name', jsonBody(claimNameRequestSchema), async (c) => {
      const account = requireAccount(c);
      const verdict = rateLimiter.hit(
        `claim-name:account:${account.id}`,
        config.rateLimits.claimNamePerAccount,
      );
      if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);

      const { communityName } = c.req.valid('json');
      const current = await findIdentity(store.db, account.id);
      if (!current)
        throw new ApiError(409, 'not_activated', 'Activate Sharing before choosing a community name.');
      if (current.community_name !== null) {
        throw new ApiError(
          409,
          'name_already_set',
          'Your community name is already set and can never be changed.',
        );
      }
      // Claiming is the one place Ringpost may say a name is taken: the person is choosing it for themselves.
      if (await communityNameTaken(store.db, communityName)) throw nameUnavailable();

      const now = clock.now();
      try {
        // `community_name is null` makes the write itself refuse a second value, even from a racing request.
        const result = await store.db
          .updateTable('identities')
          .set({ community_name: communityName, named_at: now })
          .where('account_id', '=', account.id)
          .where('community_name', 'is', null)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) {
          throw new ApiError(
            409,
            'name_already_set',
            'Your community name is already set and can never be changed.',
          );
        }
      } catch (error) {
        if (error instanceof ApiError) throw error;
        if (await communityNameTaken(store.db, communityName)) throw nameUnavailable();
        throw error;
      }
      return c.json({
        identity: toIdentity({ ...current, community_name: communityName, named_at: now }),
      } satisfies IdentityResponse);
    });
}
