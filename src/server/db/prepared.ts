import { randomUUID } from 'node:crypto';
import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';
import type { Db } from './schema';

// Kysely builds a query as a tree of frozen nodes and compiles it to SQL on every run; on the paths every
// message takes (session, send, acknowledge, event log) that cost about a third of the server's CPU under
// load (bench/README.md). A prepared query is built and compiled once per database with a marker in place
// of each argument; later runs only put the values where the markers were. Only for queries whose shape
// does not depend on their arguments, and whose arguments Kysely passes through as parameters as they are
// (strings, numbers, null): anything else is refused at the first run, never silently mis-bound.

type Argument = string | number | null;

type Slot = { argument: number } | { constant: unknown };

interface Template {
  sql: string;
  slots: Slot[];
}

// Random per process, so no stored value or constant of a query can ever look like one.
const NONCE = randomUUID();
const MARKER = new RegExp(`^${NONCE}:(\\d+)$`);
const marker = (index: number) => `${NONCE}:${index}`;

function templateOf<Args extends readonly Argument[], Row>(
  db: Db,
  build: (db: Db, ...args: Args) => Compilable<Row>,
  arity: number,
): Template {
  const markers = Array.from({ length: arity }, (_, index) => marker(index));
  // The markers stand in for values of any type: only the builder sees them, never the database.
  const compiled = build(db, ...(markers as unknown as Args)).compile();
  if (compiled.sql.includes(NONCE)) {
    throw new Error('A prepared query put an argument into its SQL text instead of a parameter.');
  }
  const seen = new Set<number>();
  const slots = compiled.parameters.map((parameter): Slot => {
    const match = typeof parameter === 'string' ? MARKER.exec(parameter) : null;
    if (!match) return { constant: parameter };
    const index = Number(match[1]);
    seen.add(index);
    return { argument: index };
  });
  if (seen.size !== arity) {
    throw new Error(`A prepared query used ${seen.size} of its ${arity} arguments as parameters.`);
  }
  return { sql: compiled.sql, slots };
}

/**
 * `build` as a prepared query of `arity` arguments: the returned function runs it on any database or
 * transaction with new values, compiling it the first time it meets that database's dialect.
 */
export function prepared<Args extends readonly Argument[], Row>(
  arity: Args['length'],
  build: (db: Db, ...args: Args) => Compilable<Row>,
): (db: Db, ...args: Args) => Promise<QueryResult<Row>> {
  // Keyed by the dialect's adapter, which a database shares with its transactions: the SQL depends on
  // the dialect only, and a transaction is a new Kysely object every time.
  const templates = new WeakMap<object, Template>();
  return async (db, ...args) => {
    const dialect = db.getExecutor().adapter;
    let template = templates.get(dialect);
    if (!template) {
      template = templateOf(db, build, arity);
      templates.set(dialect, template);
    }
    const parameters = template.slots.map((slot) =>
      'argument' in slot ? args[slot.argument] : slot.constant,
    );
    const query: CompiledQuery<Row> = CompiledQuery.raw(template.sql, parameters);
    return db.executeQuery(query);
  };
}
