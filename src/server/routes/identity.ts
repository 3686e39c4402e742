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
import { addressBucket } from '../client-address';
import { claimCommunityName, findIdentity, insertIdentity, type IdentityRecord } from '../db/identities';
import { notify } from '../db/transaction';
import { ApiError, invalidRequest, nameAlreadySet, nameUnavailable } from '../errors';
import { rateLimit } from '../middleware/rate-limit';
import { jsonBody } from '../middleware/validate';

function toIdentity(row: IdentityRecord): Identity {
  return {
    publicKey: row.public_key,
    fingerprint: row.fingerprint,
    keyBits: row.key_bits,
    backup: parseKeyBackup(JSON.parse(row.key_backup)),
    communityName: row.community_name,
    activatedAt: row.activated_at,
  };
}

const alreadyActivated = () =>
  new ApiError(
    409,
    'already_activated',
    'Sharing is already active for this account. Sign in again to restore its keys from your encrypted backup.',
  );

/** The published key must be a real RSA key of the size claimed, named by its fingerprint. */
async function checkPublicKey(publicKey: string, fingerprint: string, keyBits: number): Promise<void> {
  let spki: Uint8Array;
  try {
    spki = fromBase64Url(publicKey);
  } catch {
    throw invalidRequest('publicKey: The public key must be base64url.');
  }
  try {
    const { bits } = await checkPublishedPublicKey(
      { forge: forgeRsa, subtle: crypto.subtle },
      spki,
      fingerprint,
    );
    if (bits !== keyBits) throw invalidRequest(`keyBits: The public key has ${bits} bits, not ${keyBits}.`);
  } catch (error) {
    if (error instanceof CryptoError) throw invalidRequest(`publicKey: ${error.message}`);
    throw error;
  }
}

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
      await checkPublicKey(request.publicKey, request.fingerprint, request.keyBits);

      const row: IdentityRecord = {
        account_id: account.id,
        community_name: null,
        public_key: request.publicKey,
        fingerprint: request.fingerprint,
        key_bits: request.keyBits,
        key_backup: JSON.stringify(request.backup),
        activated_at: clock.now(),
        named_at: null,
      };
      const outcome = await insertIdentity(store.db, row);
      if (outcome === 'already_activated') throw alreadyActivated();
      if (outcome === 'key_in_use') {
        throw new ApiError(409, 'key_in_use', 'This public key is already in use. Activate Sharing again.');
      }
      // The insert has committed on its own, so the other browsers of the account may be told now.
      await notify(store.db, deps, account.id, { type: 'identity.updated' });
      return c.json({ identity: toIdentity(row) } satisfies IdentityResponse, 201);
    })
    .post(
      '/community-name',
      // Per account and per address: accounts are free, so the account limit alone would let one address
      // test hundreds of names an hour for whether they are taken.
      rateLimit(rateLimiter, config.rateLimits.claimNamePerAccount, (c) => {
        return `claim-name:${requireAccount(c).id}`;
      }),
      rateLimit(rateLimiter, config.rateLimits.claimNamePerAddress, (c) => {
        return `claim-name:${addressBucket(deps.clientAddress(c))}`;
      }),
      jsonBody(claimNameRequestSchema),
      async (c) => {
        const account = requireAccount(c);
        const { communityName } = c.req.valid('json');
        // One conditional UPDATE, committed on its own: no transaction, which on PostgreSQL a lost race on
        // the unique index would abort before the loser could be told the name is taken.
        const claim = await claimCommunityName(store.db, account.id, communityName, clock.now());
        switch (claim.outcome) {
          case 'claimed':
            await notify(store.db, deps, account.id, { type: 'identity.updated' });
            return c.json({ identity: toIdentity(claim.identity) } satisfies IdentityResponse);
          case 'not_activated':
            throw new ApiError(409, 'not_activated', 'Activate Sharing before choosing a community name.');
          case 'already_set':
            throw nameAlreadySet();
          // Claiming is the one place Ringpost may say a name is taken: the person is choosing it for themselves.
          case 'name_taken':
            throw nameUnavailable('community name');
        }
      },
    );
}
