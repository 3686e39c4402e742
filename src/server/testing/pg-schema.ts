import { randomBytes } from 'node:crypto';
import pg from 'pg';

// A PostgreSQL schema of its own for one test run or bench run, on a shared database: the app's tables
// go there through DATABASE_URL's search_path, as an operator would point a deployment at one.

export interface ThrowawaySchema {
  name: string;
  /** `adminUrl` with the search_path set to this schema: give it as DATABASE_URL. */
  url: string;
  drop(): Promise<void>;
}

async function runStatement(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates `<prefix>_<random>`; rejects when PostgreSQL cannot be reached. */
export async function createThrowawaySchema(adminUrl: string, prefix: string): Promise<ThrowawaySchema> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await runStatement(adminUrl, `CREATE SCHEMA ${name}`);
  const url = new URL(adminUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    drop: () => runStatement(adminUrl, `DROP SCHEMA ${name} CASCADE`),
  };
}
