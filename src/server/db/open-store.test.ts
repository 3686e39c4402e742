import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from './open-store';

const url = process.env.TEST_DATABASE_URL;

describe.runIf(url)('PostgreSQL schemas', () => {
  it('migrates a schema of its own while another schema of the database already holds Kysely tables', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const schemas = [0, 1].map(() => `test_${randomBytes(6).toString('hex')}`);
    const stores: Store[] = [];
    try {
      for (const schema of schemas) {
        await admin.query(`CREATE SCHEMA ${schema}`);
        // Opened one after the other, the first still open: the second must not take the first's
        // migration tables for its own.
        stores.push(await openStore({ databaseUrl: url, dataDir: tmpdir(), pgSchema: schema }));
      }
      for (const schema of schemas) {
        const { rows } = await admin.query<{ table_name: string }>(
          `select table_name from information_schema.tables where table_schema = $1 and table_name like 'kysely%' order by 1`,
          [schema],
        );
        expect(rows.map((row) => row.table_name)).toEqual(['kysely_migration', 'kysely_migration_lock']);
      }
    } finally {
      for (const store of stores) await store.close();
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
