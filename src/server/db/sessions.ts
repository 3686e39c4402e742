import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './schema';

export interface SessionAccount {
  id: string;
  name: string;
  kdfIterations: number;
  createdAt: number;
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export async function createSession(db: Db, accountId: string, now: number, ttlMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({ token_hash: tokenHash(token), account_id: accountId, created_at: now, expires_at: now + ttlMs })
    .execute();
  return token;
}

export async function findSessionAccount(db: Db, token: string, now: number): Promise<SessionAccount | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .select([
      'accounts.id as id',
      'accounts.name as name',
      'accounts.kdf_iterations as kdfIterations',
      'accounts.created_at as createdAt',
    ])
    .where('sessions.token_hash', '=', tokenHash(token))
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
  return row ?? null;
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash(token)).execute();
}

/** Returns how many were removed, for the sweep's log line. */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
