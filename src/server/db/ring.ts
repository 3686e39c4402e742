import type { ExpressionBuilder } from 'kysely';
import { prepared } from './prepared';
import type { Database, Db } from './schema';

// The Ring of Trust's data (DESIGN §1.4, §5): terms, invites addressed to names, mutual membership and the
// sealed pin blob. Routes decide who may ask; these functions hold the conditions that keep a decline
// silent and a membership mutual, so every caller gets them alike.

export interface SentInviteRecord {
  id: string;
  communityName: string;
  createdAt: number;
  expiresAt: number;
}

/** A published key: an identity's community name, public key, fingerprint and size. */
export interface PublishedKeyRecord {
  communityName: string;
  publicKey: string;
  fingerprint: string;
  keyBits: number;
}

export interface ReceivedInviteRecord extends PublishedKeyRecord {
  id: string;
  /** The inviter's account; never sent to the client. */
  fromAccountId: string;
  createdAt: number;
  expiresAt: number;
}

export interface MemberRecord extends PublishedKeyRecord {
  accountId: string;
  addedAt: number;
  /** 1 when the owner of the ring sent the invite that was accepted, else 0. */
  invitedByOwner: number;
}

export async function findTermsAcceptedAt(
  db: Db,
  accountId: string,
  version: number,
): Promise<number | null> {
  const row = await db
    .selectFrom('terms_acceptances')
    .select('accepted_at')
    .where('account_id', '=', accountId)
    .where('terms_version', '=', version)
    .executeTakeFirst();
  return row?.accepted_at ?? null;
}

/** Records the acceptance once: accepting again keeps the first time. `first` says whether this was it. */
export async function acceptTerms(
  db: Db,
  accountId: string,
  version: number,
  now: number,
): Promise<{ acceptedAt: number; first: boolean }> {
  const inserted = await db
    .insertInto('terms_acceptances')
    .values({ account_id: accountId, terms_version: version, accepted_at: now })
    .onConflict((conflict) => conflict.columns(['account_id', 'terms_version']).doNothing())
    .returning('accepted_at')
    .executeTakeFirst();
  if (inserted) return { acceptedAt: inserted.accepted_at, first: true };
  const acceptedAt = await findTermsAcceptedAt(db, accountId, version);
  if (acceptedAt === null) throw new Error('The terms acceptance vanished after a conflicting insert.');
  return { acceptedAt, first: false };
}

/**
 * Sends (or sends again) an invite to a name, in one statement whatever the name: it never reads whether
 * the name exists, is a member, is the sender or declined before, so the work is the same for all of them.
 * Sending again gives the invite a new id and a new expiry and clears a withdrawal, but keeps a decline:
 * a person who declined never hears from the same sender again, and the sender is never told.
 */
export async function upsertInvite(
  db: Db,
  invite: { id: string; fromAccountId: string; toName: string; now: number; expiresAt: number },
): Promise<SentInviteRecord> {
  return db
    .insertInto('invites')
    .values({
      id: invite.id,
      from_account_id: invite.fromAccountId,
      to_name: invite.toName,
      created_at: invite.now,
      expires_at: invite.expiresAt,
      declined_at: null,
      withdrawn_at: null,
    })
    .onConflict((conflict) =>
      conflict.columns(['from_account_id', 'to_name']).doUpdateSet((eb) => ({
        id: eb.ref('excluded.id'),
        created_at: eb.ref('excluded.created_at'),
        expires_at: eb.ref('excluded.expires_at'),
        withdrawn_at: null,
      })),
    )
    .returning(['id', 'to_name as communityName', 'created_at as createdAt', 'expires_at as expiresAt'])
    .executeTakeFirstOrThrow();
}

/** An invite still waiting for an answer: not declined, not withdrawn, not expired at `now`. */
function pendingInvite(now: number) {
  return (eb: ExpressionBuilder<Database, 'invites'>) =>
    eb.and([
      eb('invites.declined_at', 'is', null),
      eb('invites.withdrawn_at', 'is', null),
      eb('invites.expires_at', '>', now),
    ]);
}

/**
 * The sender's pending invites: not withdrawn, not expired, and not to themselves or to a current member
 * (those are written like any other invite but have nothing to wait for). Declined ones stay listed until
 * they lapse, exactly like the rest.
 */
export async function listSentInvites(
  db: Db,
  accountId: string,
  ownName: string,
  now: number,
): Promise<SentInviteRecord[]> {
  return db
    .selectFrom('invites')
    .select([
      'invites.id as id',
      'invites.to_name as communityName',
      'invites.created_at as createdAt',
      'invites.expires_at as expiresAt',
    ])
    .where('invites.from_account_id', '=', accountId)
    .where('invites.withdrawn_at', 'is', null)
    .where('invites.expires_at', '>', now)
    .where('invites.to_name', '!=', ownName)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('ring_members')
            .innerJoin('identities', 'identities.account_id', 'ring_members.member_id')
            .select('ring_members.member_id')
            .where('ring_members.owner_id', '=', accountId)
            .whereRef('identities.community_name', '=', 'invites.to_name'),
        ),
      ),
    )
    .orderBy('invites.created_at', 'desc')
    .orderBy('invites.id')
    .execute();
}

/**
 * Invites waiting for `accountId` under its community name: not declined, withdrawn or expired, not from
 * itself or a current member, and only from inviters with a claimed name (the invitee must see who asks).
 */
function receivedInvites(db: Db, accountId: string, ownName: string, now: number) {
  return db
    .selectFrom('invites')
    .innerJoin('identities', 'identities.account_id', 'invites.from_account_id')
    .select([
      'invites.id as id',
      'invites.from_account_id as fromAccountId',
      'invites.created_at as createdAt',
      'invites.expires_at as expiresAt',
      'identities.community_name as communityName',
      'identities.public_key as publicKey',
      'identities.fingerprint as fingerprint',
      'identities.key_bits as keyBits',
    ])
    .where('invites.to_name', '=', ownName)
    .where('invites.from_account_id', '!=', accountId)
    .where(pendingInvite(now))
    .where('identities.community_name', 'is not', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('ring_members')
            .select('ring_members.member_id')
            .where('ring_members.owner_id', '=', accountId)
            .whereRef('ring_members.member_id', '=', 'invites.from_account_id'),
        ),
      ),
    )
    .$narrowType<{ communityName: string }>();
}

export async function listReceivedInvites(
  db: Db,
  accountId: string,
  ownName: string,
  now: number,
): Promise<ReceivedInviteRecord[]> {
  return receivedInvites(db, accountId, ownName, now)
    .orderBy('invites.created_at', 'desc')
    .orderBy('invites.id')
    .execute();
}

/** One invite as `listReceivedInvites` would show it, or null: the only invites its recipient may act on. */
export async function findReceivedInvite(
  db: Db,
  accountId: string,
  ownName: string,
  inviteId: string,
  now: number,
): Promise<ReceivedInviteRecord | null> {
  return (
    (await receivedInvites(db, accountId, ownName, now)
      .where('invites.id', '=', inviteId)
      .executeTakeFirst()) ?? null
  );
}

/**
 * Marks a pending invite declined. The row stays, which is what keeps later invites from the same sender
 * away from the invitee; the sender's view does not change. False when it is no longer pending (accepted,
 * withdrawn, or sent again under a new id meanwhile).
 */
export async function declineInvite(
  db: Db,
  decline: { inviteId: string; toName: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set({ declined_at: decline.now })
    .where('id', '=', decline.inviteId)
    .where('to_name', '=', decline.toName)
    .where('declined_at', 'is', null)
    .where('withdrawn_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * The sender cancels an invite. A declined one is only marked withdrawn, so the decline outlives the
 * cancel; any other is deleted. False when `fromAccountId` has no such invite (or it was withdrawn already).
 */
export async function withdrawInvite(
  db: Db,
  fromAccountId: string,
  inviteId: string,
  now: number,
): Promise<boolean> {
  const deleted = await db
    .deleteFrom('invites')
    .where('id', '=', inviteId)
    .where('from_account_id', '=', fromAccountId)
    .where('declined_at', 'is', null)
    .executeTakeFirst();
  if (Number(deleted.numDeletedRows) > 0) return true;
  // A decline cannot be undone, so a row that was not deleted above stays declined for this update.
  const withdrawn = await db
    .updateTable('invites')
    .set({ withdrawn_at: now })
    .where('id', '=', inviteId)
    .where('from_account_id', '=', fromAccountId)
    .where('declined_at', 'is not', null)
    .where('withdrawn_at', 'is', null)
    .executeTakeFirst();
  return Number(withdrawn.numUpdatedRows) > 0;
}

/** Removes every invite between two accounts, both ways, declined ones included. */
async function deleteInvitesBetween(
  db: Db,
  a: { id: string; name: string },
  b: { id: string; name: string },
): Promise<void> {
  await db
    .deleteFrom('invites')
    .where((eb) =>
      eb.or([
        eb.and([eb('from_account_id', '=', a.id), eb('to_name', '=', b.name)]),
        eb.and([eb('from_account_id', '=', b.id), eb('to_name', '=', a.name)]),
      ]),
    )
    .execute();
}

/**
 * Turns a pending invite into a mutual membership; run inside `transact`. The invite is consumed first
 * with the conditions that make it pending, so of an accept and a cancel (or decline, or a second accept)
 * racing, one wins. Returns the invitee's side of the membership, or null when the invite was gone.
 */
export async function acceptInvite(
  db: Db,
  accept: {
    inviteId: string;
    inviter: { id: string; name: string };
    invitee: { id: string; name: string };
    now: number;
  },
): Promise<{ addedAt: number; invitedByOwner: number } | null> {
  const { inviteId, inviter, invitee, now } = accept;
  const consumed = await db
    .deleteFrom('invites')
    .where('id', '=', inviteId)
    .where('from_account_id', '=', inviter.id)
    .where('to_name', '=', invitee.name)
    .where('declined_at', 'is', null)
    .where('withdrawn_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(consumed.numDeletedRows) === 0) return null;
  await db
    .insertInto('ring_members')
    .values([
      { owner_id: inviter.id, member_id: invitee.id, added_at: now, invited_by_owner: 1 },
      { owner_id: invitee.id, member_id: inviter.id, added_at: now, invited_by_owner: 0 },
    ])
    .onConflict((conflict) => conflict.columns(['owner_id', 'member_id']).doNothing())
    .execute();
  await deleteInvitesBetween(db, inviter, invitee);
  return db
    .selectFrom('ring_members')
    .select(['added_at as addedAt', 'invited_by_owner as invitedByOwner'])
    .where('owner_id', '=', invitee.id)
    .where('member_id', '=', inviter.id)
    .executeTakeFirstOrThrow();
}

function members(db: Db, ownerId: string) {
  return db
    .selectFrom('ring_members')
    .innerJoin('identities', 'identities.account_id', 'ring_members.member_id')
    .select([
      'ring_members.member_id as accountId',
      'ring_members.added_at as addedAt',
      'ring_members.invited_by_owner as invitedByOwner',
      'identities.community_name as communityName',
      'identities.public_key as publicKey',
      'identities.fingerprint as fingerprint',
      'identities.key_bits as keyBits',
    ])
    .where('ring_members.owner_id', '=', ownerId)
    .where('identities.community_name', 'is not', null)
    .$narrowType<{ communityName: string }>();
}

export async function listMembers(db: Db, ownerId: string): Promise<MemberRecord[]> {
  return members(db, ownerId).orderBy('identities.community_name').execute();
}

export async function findMemberByName(
  db: Db,
  ownerId: string,
  communityName: string,
): Promise<MemberRecord | null> {
  return (
    (await members(db, ownerId).where('identities.community_name', '=', communityName).executeTakeFirst()) ??
    null
  );
}

/**
 * Ends a membership on both sides and forgets the invites between the two; run inside `transact`. False
 * when they were not members.
 */
export async function removeMember(
  db: Db,
  owner: { id: string; name: string },
  member: { id: string; name: string },
): Promise<boolean> {
  const removed = await db
    .deleteFrom('ring_members')
    .where((eb) =>
      eb.or([
        eb.and([eb('owner_id', '=', owner.id), eb('member_id', '=', member.id)]),
        eb.and([eb('owner_id', '=', member.id), eb('member_id', '=', owner.id)]),
      ]),
    )
    .executeTakeFirst();
  await deleteInvitesBetween(db, owner, member);
  return Number(removed.numDeletedRows) > 0;
}

/**
 * Deletes pending invites past their expiry that were never declined; declined rows stay as the silent
 * block. Returns how many went, for the sweep's log line.
 */
export async function deleteExpiredInvites(db: Db, now: number): Promise<number> {
  const result = await db
    .deleteFrom('invites')
    .where('expires_at', '<=', now)
    .where('declined_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function findPins(db: Db, accountId: string): Promise<{ blob: string; version: number } | null> {
  return (
    (await db
      .selectFrom('pin_blobs')
      .select(['blob', 'version'])
      .where('account_id', '=', accountId)
      .executeTakeFirst()) ?? null
  );
}

/**
 * Compare-and-set in one statement: the write lands only if the stored version is still `baseVersion`
 * (0: nothing stored yet), so of two browsers writing from the same base exactly one wins. Returns the
 * new version, or null when the base was stale.
 */
export async function putPins(
  db: Db,
  accountId: string,
  pins: { blob: string; baseVersion: number; now: number },
): Promise<number | null> {
  const version = pins.baseVersion + 1;
  if (pins.baseVersion === 0) {
    const inserted = await db
      .insertInto('pin_blobs')
      .values({ account_id: accountId, blob: pins.blob, version, updated_at: pins.now })
      .onConflict((conflict) => conflict.column('account_id').doNothing())
      .returning('version')
      .executeTakeFirst();
    return inserted?.version ?? null;
  }
  const updated = await db
    .updateTable('pin_blobs')
    .set({ blob: pins.blob, version, updated_at: pins.now })
    .where('account_id', '=', accountId)
    .where('version', '=', pins.baseVersion)
    .returning('version')
    .executeTakeFirst();
  return updated?.version ?? null;
}

/**
 * The account a message from `from` to `toName` may go to, or null: a Ring member of the sender, or either
 * side of an invite between them that is still pending (not declined, withdrawn or expired), for the
 * verification messages of DESIGN §1.4. One query whatever the name, so a drop costs what a delivery does.
 */
export async function mayWrite(
  db: Db,
  from: { id: string; name: string },
  toName: string,
  now: number,
): Promise<string | null> {
  const row = (await writableRecipient(db, from.id, from.name, toName, now)).rows[0];
  return row?.accountId ?? null;
}

// Run for every message sent: prepared (see prepared.ts).
const writableRecipient = prepared(4, (db, fromId: string, fromName: string, toName: string, now: number) => {
  const pending = pendingInvite(now);
  return db
    .selectFrom('identities')
    .select('identities.account_id as accountId')
    .where('identities.community_name', '=', toName)
    .where('identities.account_id', '!=', fromId)
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('ring_members')
            .select('ring_members.member_id')
            .where('ring_members.owner_id', '=', fromId)
            .whereRef('ring_members.member_id', '=', 'identities.account_id'),
        ),
        eb.exists(
          eb
            .selectFrom('invites')
            .select('invites.id')
            .where('invites.from_account_id', '=', fromId)
            .where('invites.to_name', '=', toName)
            .where(pending),
        ),
        eb.exists(
          eb
            .selectFrom('invites')
            .select('invites.id')
            .whereRef('invites.from_account_id', '=', 'identities.account_id')
            .where('invites.to_name', '=', fromName)
            .where(pending),
        ),
      ]),
    )
    .limit(1);
});
