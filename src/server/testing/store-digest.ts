import { sql } from 'kysely';
import type { Store } from '../db/open-store';

// What a refused request must leave exactly as it was: every row of every table, but for the counters
// that exist to count refusals (rate limits), the migrator's own tables, and when a session was last used
// (a refused request from a signed-in browser still uses its session).

const SKIPPED_TABLES = new Set(['rate_limits', 'kysely_migration', 'kysely_migration_lock']);
const SKIPPED_COLUMNS = new Set(['sessions.last_seen_at']);

async function tableColumns(store: Store): Promise<Map<string, string[]>> {
  const rows =
    store.kind === 'postgres'
      ? (
          await sql<{ table: string; column: string }>`
            select table_name as "table", column_name as "column" from information_schema.columns
            where table_schema = current_schema() order by table_name, ordinal_position`.execute(store.db)
        ).rows
      : (
          await sql<{ table: string; column: string }>`
            select m.name as "table", p.name as "column" from sqlite_master m, pragma_table_info(m.name) p
            where m.type = 'table' and m.name not like 'sqlite_%' order by m.name, p.cid`.execute(store.db)
        ).rows;
  const tables = new Map<string, string[]>();
  for (const { table, column } of rows) {
    if (SKIPPED_TABLES.has(table) || SKIPPED_COLUMNS.has(`${table}.${column}`)) continue;
    tables.set(table, [...(tables.get(table) ?? []), column]);
  }
  return tables;
}

/**
 * One string standing for the whole store's content, equal before and after anything that changed
 * nothing. One statement on PostgreSQL (each table folded into an md5), one per table on SQLite.
 */
export async function storeDigest(store: Store): Promise<string> {
  const tables = await tableColumns(store);
  if (store.kind === 'postgres') {
    const parts = [...tables].map(([table, columns]) => {
      const row = sql.raw(`row(${columns.map((column) => `"${column}"`).join(', ')})::text`);
      return sql`(select coalesce(md5(string_agg(${row}, '|' order by ${row})), '') from ${sql.table(table)})`;
    });
    const { rows } = await sql<{
      digest: string;
    }>`select concat_ws(',', ${sql.join(parts)}) as digest`.execute(store.db);
    return rows[0]?.digest ?? '';
  }
  const digests: string[] = [];
  for (const [table, columns] of tables) {
    const { rows } = await sql<
      Record<string, unknown>
    >`select ${sql.join(columns.map((column) => sql.ref(column)))} from ${sql.table(table)}`.execute(
      store.db,
    );
    digests.push(
      `${table}:${rows
        .map((row) => JSON.stringify(row))
        .sort()
        .join('|')}`,
    );
  }
  return digests.join('\n');
}
