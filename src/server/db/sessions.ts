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
  /** When it lapses if nothing uses it meanwhile: the sooner of its TTL and its idle limit. */
  expiresAt: number;
}

/** How a session lapses: `ttlMs` after sign-in, or `idleMs` after the last request that used it. */
export interface SessionLimits {
  ttlMs: number;
  idleMs: number;
}

/**
 * How stale the last-seen time may get before a request writes it again: a write per session a minute at
 * most, not one per request. The idle limit then counts from up to this much before the last request, so
 * a session lapses a little early, never late.
 */
export const LAST_SEEN_STEP_MS = 60_000;

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
      last_seen_at: now,
    })
    .execute();
  return token;
}

// Every request with a session cookie runs this one.
const sessionByKey = prepared(3, (db, key: string, now: number, idleSince: number) =>
  db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .select([
      'accounts.id as id',
      'accounts.name as name',
      'accounts.kdf_iterations as kdfIterations',
      'accounts.created_at as createdAt',
      'sessions.expires_at as expiresAt',
      'sessions.last_seen_at as lastSeenAt',
    ])
    .where('sessions.token_hash', '=', key)
    .where('sessions.expires_at', '>', now)
    .where('sessions.last_seen_at', '>', idleSince),
);

// The staleness test again, in SQL: of several requests racing past a step, one writes and the others
// find nothing to do, and a request with a slower clock never moves the time back.
const touchSession = prepared(3, (db, key: string, now: number, staleBefore: number) =>
  db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('token_hash', '=', key)
    .where('last_seen_at', '<=', staleBefore),
);

/**
 * The live session of `token`, or null when there is none, it has passed its TTL, or it has been idle
 * past the limit. Finding it counts as using it.
 */
export async function findSession(
  db: Db,
  token: string,
  now: number,
  limits: SessionLimits,
): Promise<SessionRecord | null> {
  const key = sessionKey(token);
  const row = (await sessionByKey(db, key, now, now - limits.idleMs)).rows[0];
  if (!row) return null;
  const { expiresAt, lastSeenAt, ...account } = row;
  let seen = lastSeenAt;
  if (now - lastSeenAt >= Math.min(LAST_SEEN_STEP_MS, limits.idleMs / 2)) {
    await touchSession(db, key, now, now - Math.min(LAST_SEEN_STEP_MS, limits.idleMs / 2));
    seen = now;
  }
  return { account, key, expiresAt: Math.min(expiresAt, seen + limits.idleMs) };
}

export async function findSessionAccount(
  db: Db,
  token: string,
  now: number,
  limits: SessionLimits,
): Promise<SessionAccount | null> {
  return (await findSession(db, token, now, limits))?.account ?? null;
}

/** When the session of `key` lapses now, or null when it already has (a push stream asks at its deadline). */
export async function sessionDeadline(
  db: Db,
  key: string,
  now: number,
  limits: SessionLimits,
): Promise<number | null> {
  const row = await db
    .selectFrom('sessions')
    .select(['expires_at as expiresAt', 'last_seen_at as lastSeenAt'])
    .where('token_hash', '=', key)
    .executeTakeFirst();
  if (!row) return null;
  const deadline = Math.min(row.expiresAt, row.lastSeenAt + limits.idleMs);
  return deadline > now ? deadline : null;
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sessionKey(token)).execute();
}

/** Returns how many were removed, for the sweep's log line. */
export async function deleteExpiredSessions(db: Db, now: number, idleMs: number): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - idleMs)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
