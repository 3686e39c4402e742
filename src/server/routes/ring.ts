import { randomBytes, randomInt } from 'node:crypto';
import { Hono } from 'hono';
import { nameSchema } from '../../shared/protocol/names';
import {
  acceptInviteRequestSchema,
  acceptTermsRequestSchema,
  inviteIdSchema,
  inviteRequestSchema,
  pinBlobSchema,
  putPinsRequestSchema,
  TERMS_VERSION,
  type AcceptInviteResponse,
  type InviteResponse,
  type Member,
  type PinsResponse,
  type PutPinsResponse,
  type ReceivedInvite,
  type RingResponse,
  type TermsResponse,
} from '../../shared/protocol/ring';
import { requireAccount, type AppDeps, type AppEnv } from '../app-env';
import { findIdentity } from '../db/identities';
import {
  acceptInvite,
  acceptTerms,
  declineInvite,
  findMemberByName,
  findPins,
  findReceivedInvite,
  findTermsAcceptedAt,
  listMembers,
  listReceivedInvites,
  listSentInvites,
  putPins,
  removeMember,
  upsertInvite,
  withdrawInvite,
  type MemberRecord,
  type ReceivedInviteRecord,
} from '../db/ring';
import { notify, transact } from '../db/transaction';
import { afterAnswer } from '../background';
import { tellInvitee } from '../invite-notices';
import { keyChanged, nameRequired, notFound, pinsConflict, termsRequired } from '../errors';
import { answerNoSoonerThan } from '../middleware/answer-floor';
import { rateLimit } from '../middleware/rate-limit';
import { jsonBody } from '../middleware/validate';

// The Ring of Trust (DESIGN §1.4, §5). Inviting never looks at the name invited, so its answer cannot say
// whether the name exists, is a member, declined, or was invited already. Every other route acts only on
// what the caller is party to, and answers "not found" alike for what is not theirs and what is not there.

const RING_UPDATED = { type: 'ring.updated' } as const;

function toMember(row: MemberRecord): Member {
  return {
    communityName: row.communityName,
    publicKey: row.publicKey,
    fingerprint: row.fingerprint,
    keyBits: row.keyBits,
    addedAt: row.addedAt,
    invitedByMe: row.invitedByOwner === 1,
  };
}

/** The inviter's account id stays on the server: the invitee sees their name and key only. */
function toReceivedInvite(row: ReceivedInviteRecord): ReceivedInvite {
  return {
    id: row.id,
    communityName: row.communityName,
    publicKey: row.publicKey,
    fingerprint: row.fingerprint,
    keyBits: row.keyBits,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

/** The invite id in the path; anything that is not one is answered like an unknown id. */
function inviteIdParam(raw: string): string {
  const parsed = inviteIdSchema.safeParse(raw);
  if (!parsed.success) throw notFound('invite');
  return parsed.data;
}

export function ringRoutes(deps: AppDeps) {
  const { store, clock, config, rateLimiter } = deps;

  /** The caller's community name, or null before it claimed one (then no invite can be addressed to it). */
  const ownName = async (accountId: string) =>
    (await findIdentity(store.db, accountId))?.community_name ?? null;

  return (
    new Hono<AppEnv>()
      // Signed in before anything else, so a signed-out request learns nothing from validation either.
      .use(async (c, next) => {
        requireAccount(c);
        await next();
      })
      .get('/', async (c) => {
        const account = requireAccount(c);
        const now = clock.now();
        const termsAcceptedAt = await findTermsAcceptedAt(store.db, account.id, TERMS_VERSION);
        const name = await ownName(account.id);
        if (name === null) {
          return c.json({ termsAcceptedAt, members: [], sent: [], received: [] } satisfies RingResponse);
        }
        const [members, sent, received] = await Promise.all([
          listMembers(store.db, account.id),
          listSentInvites(store.db, account.id, name, now),
          listReceivedInvites(store.db, account.id, name, now),
        ]);
        return c.json({
          termsAcceptedAt,
          members: members.map(toMember),
          sent,
          received: received.map(toReceivedInvite),
        } satisfies RingResponse);
      })
      .post('/terms', jsonBody(acceptTermsRequestSchema), async (c) => {
        const account = requireAccount(c);
        const { version } = c.req.valid('json');
        const { acceptedAt, first } = await acceptTerms(store.db, account.id, version, clock.now());
        if (first) await notify(store.db, deps, account.id, RING_UPDATED);
        return c.json({ termsAcceptedAt: acceptedAt } satisfies TermsResponse);
      })
      /**
       * The enumeration rule: after the checks on the inviter, one upsert whatever the name, and the same
       * 202 with the same fields. Nothing here reads the invitee's side. Only once the answer has gone, and
       * a random moment after it, is the name looked up and a real invitee who would see the invite told
       * (`invite.received`).
       */
      .post(
        '/invites',
        answerNoSoonerThan(clock, config.answerFloorMs.communityName),
        rateLimit(rateLimiter, config.rateLimits.invitesPerAccount, (c) => `invite:${requireAccount(c).id}`),
        jsonBody(inviteRequestSchema),
        async (c) => {
          const account = requireAccount(c);
          const { communityName } = c.req.valid('json');
          if ((await findTermsAcceptedAt(store.db, account.id, TERMS_VERSION)) === null)
            throw termsRequired();
          if ((await ownName(account.id)) === null) throw nameRequired();
          const now = clock.now();
          const invite = await upsertInvite(store.db, {
            id: randomBytes(16).toString('base64url'),
            fromAccountId: account.id,
            toName: communityName,
            now,
            expiresAt: now + config.inviteExpiryMs,
          });
          await notify(store.db, deps, account.id, RING_UPDATED);
          afterAnswer(c, deps.tasks, 'invite-notice', async () => {
            if (config.inviteNoticeJitterMs > 0)
              await clock.sleep(randomInt(1, config.inviteNoticeJitterMs + 1));
            await tellInvitee(deps, { inviteId: invite.id, toName: communityName });
          });
          return c.json({ invite } satisfies InviteResponse, 202);
        },
      )
      .delete('/invites/:id', async (c) => {
        const account = requireAccount(c);
        const id = inviteIdParam(c.req.param('id'));
        if (!(await withdrawInvite(store.db, account.id, id, clock.now()))) throw notFound('invite');
        await notify(store.db, deps, account.id, RING_UPDATED);
        return c.body(null, 204);
      })
      .post('/invites/:id/accept', jsonBody(acceptInviteRequestSchema), async (c) => {
        const account = requireAccount(c);
        const id = inviteIdParam(c.req.param('id'));
        const { fingerprint } = c.req.valid('json');
        const name = await ownName(account.id);
        const now = clock.now();
        const invite = name === null ? null : await findReceivedInvite(store.db, account.id, name, id, now);
        if (name === null || invite === null) throw notFound('invite');
        // The invitee compared this fingerprint with the inviter out of band; a different key is not theirs.
        if (invite.fingerprint !== fingerprint) throw keyChanged();

        const inviter = { id: invite.fromAccountId, name: invite.communityName };
        const membership = await transact(store.db, deps, async (trx, events) => {
          const added = await acceptInvite(trx, {
            inviteId: id,
            inviter,
            invitee: { id: account.id, name },
            now,
          });
          if (added) {
            events.emit(inviter.id, RING_UPDATED);
            events.emit(account.id, RING_UPDATED);
          }
          return added;
        });
        // Cancelled, declined or accepted elsewhere between the read and the write.
        if (!membership) throw notFound('invite');
        return c.json({
          member: toMember({ ...invite, accountId: inviter.id, ...membership }),
        } satisfies AcceptInviteResponse);
      })
      // Silent: the inviter's view never changes, and nobody is told, not even the decliner's other browsers.
      .post('/invites/:id/decline', async (c) => {
        const account = requireAccount(c);
        const id = inviteIdParam(c.req.param('id'));
        const name = await ownName(account.id);
        const now = clock.now();
        const invite = name === null ? null : await findReceivedInvite(store.db, account.id, name, id, now);
        if (name === null || invite === null) throw notFound('invite');
        if (!(await declineInvite(store.db, { inviteId: id, toName: name, now }))) throw notFound('invite');
        return c.body(null, 204);
      })
      // Mutual and silent: both sides lose the membership, and only the remover's browsers are told.
      .delete('/members/:communityName', async (c) => {
        const account = requireAccount(c);
        const parsed = nameSchema.safeParse(c.req.param('communityName'));
        const name = await ownName(account.id);
        const member =
          parsed.success && name !== null ? await findMemberByName(store.db, account.id, parsed.data) : null;
        if (name === null || member === null) throw notFound('ring member');
        const removed = await transact(store.db, deps, async (trx, events) => {
          const gone = await removeMember(
            trx,
            { id: account.id, name },
            { id: member.accountId, name: member.communityName },
          );
          if (gone) events.emit(account.id, RING_UPDATED);
          return gone;
        });
        if (!removed) throw notFound('ring member');
        return c.body(null, 204);
      })
      .get('/pins', async (c) => {
        const account = requireAccount(c);
        const row = await findPins(store.db, account.id);
        const pins = row ? { blob: pinBlobSchema.parse(JSON.parse(row.blob)), version: row.version } : null;
        return c.json({ pins } satisfies PinsResponse);
      })
      .put('/pins', jsonBody(putPinsRequestSchema), async (c) => {
        const account = requireAccount(c);
        const { blob, baseVersion } = c.req.valid('json');
        const version = await putPins(store.db, account.id, {
          blob: JSON.stringify(blob),
          baseVersion,
          now: clock.now(),
        });
        if (version === null) throw pinsConflict();
        await notify(store.db, deps, account.id, RING_UPDATED);
        return c.json({ version } satisfies PutPinsResponse);
      })
  );
}
