import { createHash, randomBytes } from 'node:crypto';
import { prepared } from './prepared';
import type { Db } from './schema';

export interface SessionAccount {
  id: string;
  name: string;
  kdfIterations: number;
  createdAt: number;
}

/** A session as the server knows it: never the token itself, only its hash (its key). */
export interface SessionRecord {
  account: SessionAccount;
  key: string;
  expiresAt: number;
}

/** The key a session is stored and referred to by; the token only ever lives in the browser's cookie. */
export function sessionKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export async function createSession(db: Db, accountId: string, now: number, ttlMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      token_hash: sessionKey(token),
      account_id: accountId,
      created_at: now,
      expires_at: now + ttlMs,
    })
    .execute();
  return token;
}

// Every request with a session cookie runs this one.
const sessionByKey = prepared(2, (db, key: string, now: number) =>
  db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .select([
      'accounts.id as id',
      'accounts.name as name',
      'accounts.kdf_iterations as kdfIterations',
      'accounts.created_at as createdAt',
      'sessions.expires_at as expiresAt',
    ])
    .where('sessions.token_hash', '=', key)
    .where('sessions.expires_at', '>', now),
);

export async function findSession(db: Db, token: string, now: number): Promise<SessionRecord | null> {
  const key = sessionKey(token);
  const row = (await sessionByKey(db, key, now)).rows[0];
  if (!row) return null;
  const { expiresAt, ...account } = row;
  return { account, key, expiresAt };
}

export async function findSessionAccount(db: Db, token: string, now: number): Promise<SessionAccount | null> {
  return (await findSession(db, token, now))?.account ?? null;
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sessionKey(token)).execute();
}

/** Returns how many were removed, for the sweep's log line. */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
