import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Ringpost on PostgreSQL in the bench: a throwaway schema of the machine's database per run, dropped after.

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own per run (the app uses the default one), reached through the URL's search_path. */
export async function throwawaySchema(
  adminUrl: string,
): Promise<{ url: string; drop: () => Promise<void> } | { unreachable: string }> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    return { unreachable: error instanceof Error ? error.message : String(error) };
  }
  await admin.end();
  const separator = adminUrl.includes('?') ? '&' : '?';
  return {
    url: `${adminUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
      await dropper.end();
    },
  };
}
