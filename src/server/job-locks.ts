import type { PgListener } from './db/pg-listener';
import type { JobLock } from './jobs';

/**
 * One run of a job at a time across every instance on one PostgreSQL: a session-level advisory lock on
 * the listening connection, keyed by the deployment's schema and the job's name. While that connection is
 * down this instance runs no jobs; another one does, or this one after it reconnects.
 */
export function advisoryJobLock(connection: PgListener, scope: string): JobLock {
  return async (name, run) => {
    if (!connection.connected()) return false;
    const rows = await connection.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtext($1), hashtext($2)) as locked',
      [scope, name],
    );
    if (rows[0]?.locked !== true) return false;
    try {
      await run();
    } finally {
      // A lock whose connection was lost meanwhile went with it; there is nothing left to release.
      await connection
        .query('select pg_advisory_unlock(hashtext($1), hashtext($2))', [scope, name])
        .catch(() => undefined);
    }
    return true;
  };
}
