import type { Db } from './schema';

export interface AccountRecord {
  id: string;
  name: string;
  authHash: string;
  kdfIterations: number;
  createdAt: number;
}

const columns = [
  'id',
  'name',
  'auth_hash as authHash',
  'kdf_iterations as kdfIterations',
  'created_at as createdAt',
] as const;

export async function findAccountByName(db: Db, name: string): Promise<AccountRecord | null> {
  return (
    (await db.selectFrom('accounts').select(columns).where('name', '=', name).executeTakeFirst()) ?? null
  );
}

export async function findAccountById(db: Db, id: string): Promise<AccountRecord | null> {
  return (await db.selectFrom('accounts').select(columns).where('id', '=', id).executeTakeFirst()) ?? null;
}

/**
 * Inserts the account unless the name is taken; the unique index decides between two sign-ups racing for
 * one name, without an exception (which would abort a PostgreSQL transaction).
 */
export async function insertAccount(db: Db, account: AccountRecord): Promise<'created' | 'name_taken'> {
  const inserted = await db
    .insertInto('accounts')
    .values({
      id: account.id,
      name: account.name,
      auth_hash: account.authHash,
      kdf_iterations: account.kdfIterations,
      created_at: account.createdAt,
    })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted ? 'created' : 'name_taken';
}
