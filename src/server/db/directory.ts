import { sql } from 'kysely';
import type { PublishedKeyRecord } from './ring';
import type { Db } from './schema';

// The directory's data: real keys by community name, and decoy keys for every other name (DESIGN §5).
// A decoy is the public half of a real RSA key; once a name has one it keeps it, so asking twice, or from
// another account, gives the same answer, as it would for a real person.

/** A decoy key's public half, as made by the generator (src/server/decoy-keys.ts). */
export interface DecoyKeyMaterial {
  publicKey: string;
  fingerprint: string;
  keyBits: number;
}

/** How many times a lost race for a pool key is tried again before the caller makes a key of its own. */
const POOL_ATTEMPTS = 5;

const decoyColumns = ['public_key as publicKey', 'fingerprint', 'key_bits as keyBits'] as const;

export async function findPublishedKeyByName(
  db: Db,
  communityName: string,
): Promise<PublishedKeyRecord | null> {
  const row = await db
    .selectFrom('identities')
    .select(['public_key as publicKey', 'fingerprint', 'key_bits as keyBits'])
    .where('community_name', '=', communityName)
    .executeTakeFirst();
  return row ? { communityName, ...row } : null;
}

export async function findDecoyByName(db: Db, name: string): Promise<DecoyKeyMaterial | null> {
  return (
    (await db
      .selectFrom('decoy_keys')
      .select(decoyColumns)
      .where('assigned_name', '=', name)
      .executeTakeFirst()) ?? null
  );
}

/** True when a unique index refused the write: SQLite's and PostgreSQL's ways of saying so. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Gives `name` an unassigned pool key of `bits` bits, or returns the key it already has. One conditional
 * UPDATE, outside any transaction: `assigned_name is null` in the write means a key another request took
 * meanwhile is not taken twice (that request wins and this one tries another key), and the unique index on
 * `assigned_name` refuses a second key for a name two requests asked for at once (the loser reads the
 * winner's). The key is picked at random so concurrent requests rarely reach for the same row. Null when
 * the pool has none, or races were lost too often: the caller then makes a key itself.
 */
export async function assignPoolDecoy(
  db: Db,
  name: string,
  bits: number,
  now: number,
): Promise<DecoyKeyMaterial | null> {
  for (let attempt = 0; attempt < POOL_ATTEMPTS; attempt++) {
    try {
      const assigned = await db
        .updateTable('decoy_keys')
        .set({ assigned_name: name, assigned_at: now })
        .where('fingerprint', '=', (eb) =>
          eb
            .selectFrom('decoy_keys as pool')
            .select('pool.fingerprint')
            .where('pool.assigned_name', 'is', null)
            .where('pool.key_bits', '=', bits)
            .orderBy(sql`random()`)
            .limit(1),
        )
        .where('assigned_name', 'is', null)
        .returning(decoyColumns)
        .executeTakeFirst();
      if (assigned) return assigned;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    // Nothing assigned: another request may have given this name its key, or taken the key picked here.
    const held = await findDecoyByName(db, name);
    if (held) return held;
    if ((await countPoolDecoys(db, bits)) === 0) return null;
  }
  return null;
}

/**
 * Stores a key made on the spot as `name`'s decoy. If a racing request gave the name a key first, the
 * unique index keeps that one and it is returned instead; this key is dropped.
 */
export async function insertAssignedDecoy(
  db: Db,
  name: string,
  key: DecoyKeyMaterial,
  now: number,
): Promise<DecoyKeyMaterial> {
  const inserted = await db
    .insertInto('decoy_keys')
    .values({
      fingerprint: key.fingerprint,
      public_key: key.publicKey,
      key_bits: key.keyBits,
      created_at: now,
      assigned_name: name,
      assigned_at: now,
    })
    .onConflict((conflict) => conflict.doNothing())
    .returning(decoyColumns)
    .executeTakeFirst();
  if (inserted) return inserted;
  const held = await findDecoyByName(db, name);
  if (!held) throw new Error('A decoy key conflicted with another without a name holding it.');
  return held;
}

/** Unassigned keys of `bits` bits: what the pool holds for the setting in force. */
export async function countPoolDecoys(db: Db, bits: number): Promise<number> {
  const row = await db
    .selectFrom('decoy_keys')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
    .where('assigned_name', 'is', null)
    .where('key_bits', '=', bits)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertPoolDecoys(db: Db, keys: DecoyKeyMaterial[], now: number): Promise<void> {
  if (keys.length === 0) return;
  await db
    .insertInto('decoy_keys')
    .values(
      keys.map((key) => ({
        fingerprint: key.fingerprint,
        public_key: key.publicKey,
        key_bits: key.keyBits,
        created_at: now,
        assigned_name: null,
        assigned_at: null,
      })),
    )
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}

/**
 * Drops pool keys of any other size, left from before `RINGPOST_KEY_BITS` changed: a decoy must look like
 * the keys people make now. Assigned ones stay, so a name's answer never changes.
 */
export async function deletePoolDecoysNotOfSize(db: Db, bits: number): Promise<number> {
  const result = await db
    .deleteFrom('decoy_keys')
    .where('assigned_name', 'is', null)
    .where('key_bits', '!=', bits)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
