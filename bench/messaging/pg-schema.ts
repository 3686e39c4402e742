import { createThrowawaySchema } from '../../src/server/testing/pg-schema';

// Ringpost on PostgreSQL in the bench: a throwaway schema of the machine's database per run, dropped after.

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own per run (the app uses the default one), or why PostgreSQL could not be reached. */
export async function throwawaySchema(
  adminUrl: string,
): Promise<{ url: string; drop: () => Promise<void> } | { unreachable: string }> {
  try {
    return await createThrowawaySchema(adminUrl, 'bench');
  } catch (error) {
    return { unreachable: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Runs `work` against a store: SQLite needs nothing (null), PostgreSQL gets a throwaway schema, dropped
 * afterwards, whose URL `work` passes on as DATABASE_URL. Says why instead when PostgreSQL is unreachable.
 */
export async function onThrowawayStore<T>(
  store: 'sqlite' | 'postgres',
  adminUrl: string,
  work: (databaseUrl: string | null) => Promise<T>,
): Promise<{ value: T } | { unreachable: string }> {
  if (store === 'sqlite') return { value: await work(null) };
  const schema = await throwawaySchema(adminUrl);
  if ('unreachable' in schema) return { unreachable: `PostgreSQL unreachable (${schema.unreachable})` };
  try {
    return { value: await work(schema.url) };
  } finally {
    await schema.drop();
  }
}
