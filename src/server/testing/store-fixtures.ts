import { insertAccount, type AccountRecord } from '../db/accounts';
import type { Db } from '../db/schema';

let counter = 0;

/** A number no other call in this process has had. */
export const nextUnique = () => ++counter;

/** A name no other test holds: the stores are shared between test files, and kept between runs. */
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${nextUnique()}`;

/**
 * An account row with a stand-in password hash: the store tests are about rows, and the route tests sign
 * up with real ones.
 */
export function testAccount(name = uniqueName('acct')): AccountRecord {
  return { id: uniqueName('id'), name, authHash: 'scrypt$x', kdfIterations: 600_000, createdAt: 1 };
}

/** Inserts a fresh {@link testAccount} and answers its id. */
export async function insertTestAccount(db: Db): Promise<string> {
  const account = testAccount();
  await insertAccount(db, account);
  return account.id;
}
