import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { storeTargets, useTestStore } from '../testing/test-app';
import type { Store } from './open-store';

// The schema the migrations build, as each database reports it, against a reviewed copy in
// schema-snapshots/. A constraint, index or default lost or changed shows here as a diff, not only when a
// test happens to depend on it; a new migration updates the copy (`npx vitest run -u`) in the same change.

async function describeSchema(store: Store): Promise<string> {
  const lines: string[] = [];
  // The migrator's own table, outside the typed schema.
  const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    store.db,
  );
  lines.push('-- migrations', ...migrations.rows.map((row) => row.name));
  if (store.kind === 'sqlite') {
    const objects = await sql<{ type: string; name: string; sql: string | null }>`
      select type, name, sql from sqlite_master
      where name not like 'sqlite_%' and name not like 'kysely_%'
      order by type, name`.execute(store.db);
    for (const row of objects.rows) lines.push(`-- ${row.type} ${row.name}`, row.sql ?? '(implicit)');
    return `${lines.join('\n')}\n`;
  }
  const columns = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type
      || case when is_nullable = 'NO' then ' not null' else '' end
      || coalesce(' default ' || column_default, '') as line
    from information_schema.columns
    where table_schema = current_schema() and table_name not like 'kysely_%'
    order by table_name, column_name`.execute(store.db);
  lines.push('-- columns', ...columns.rows.map((row) => row.line));
  const constraints = await sql<{ line: string }>`
    select c.conrelid::regclass::text || ' ' || pg_get_constraintdef(c.oid) as line
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where n.nspname = current_schema() and c.conrelid::regclass::text not like 'kysely_%'
    order by 1`.execute(store.db);
  lines.push('-- constraints', ...constraints.rows.map((row) => row.line));
  const indexes = await sql<{ line: string }>`
    select replace(indexdef, schemaname || '.', '') as line from pg_indexes
    where schemaname = current_schema() and tablename not like 'kysely_%'
    order by indexname`.execute(store.db);
  lines.push('-- indexes', ...indexes.rows.map((row) => row.line));
  return `${lines.join('\n')}\n`;
}

describe.each(storeTargets())('the schema on $kind', (target) => {
  const store = useTestStore(target);

  it('is exactly the one reviewed in schema-snapshots/', async () => {
    await expect(await describeSchema(store())).toMatchFileSnapshot(`./schema-snapshots/${target.kind}.sql`);
  });
});
