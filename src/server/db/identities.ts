import type { Db, IdentitiesTable } from './schema';

export type IdentityRecord = IdentitiesTable;

export async function findIdentity(db: Db, accountId: string): Promise<IdentityRecord | null> {
  return (
    (await db.selectFrom('identities').selectAll().where('account_id', '=', accountId).executeTakeFirst()) ??
    null
  );
}

/** One identity per account and one account per key; the unique indexes decide races. */
export async function insertIdentity(
  db: Db,
  identity: IdentityRecord,
): Promise<'created' | 'already_activated' | 'key_in_use'> {
  const inserted = await db
    .insertInto('identities')
    .values(identity)
    .onConflict((conflict) => conflict.doNothing())
    .returning('account_id')
    .executeTakeFirst();
  if (inserted) return 'created';
  return (await findIdentity(db, identity.account_id)) ? 'already_activated' : 'key_in_use';
}

export type ClaimOutcome =
  | { outcome: 'claimed'; identity: IdentityRecord }
  | { outcome: 'not_activated' | 'already_set' | 'name_taken' };

/**
 * Sets the community name once. `community_name is null` in the update makes the write itself refuse a
 * second value, even from a racing request; the unique index refuses a name someone else holds.
 */
export async function claimCommunityName(
  db: Db,
  accountId: string,
  communityName: string,
  now: number,
): Promise<ClaimOutcome> {
  const current = await findIdentity(db, accountId);
  if (!current) return { outcome: 'not_activated' };
  if (current.community_name !== null) return { outcome: 'already_set' };
  if (await communityNameTaken(db, communityName)) return { outcome: 'name_taken' };
  try {
    const updated = await db
      .updateTable('identities')
      .set({ community_name: communityName, named_at: now })
      .where('account_id', '=', accountId)
      .where('community_name', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return updated ? { outcome: 'claimed', identity: updated } : { outcome: 'already_set' };
  } catch (error) {
    // Lost a race for the same name to another account between the check and the write.
    if (await communityNameTaken(db, communityName)) return { outcome: 'name_taken' };
    throw error;
  }
}

export async function communityNameTaken(db: Db, communityName: string): Promise<boolean> {
  const row = await db
    .selectFrom('identities')
    .select('account_id')
    .where('community_name', '=', communityName)
    .executeTakeFirst();
  return row !== undefined;
}

/** The account holding `communityName`, or null. */
export async function findAccountIdByCommunityName(db: Db, communityName: string): Promise<string | null> {
  const row = await db
    .selectFrom('identities')
    .select('account_id')
    .where('community_name', '=', communityName)
    .executeTakeFirst();
  return row?.account_id ?? null;
}
