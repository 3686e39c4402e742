import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './schema';

// What instances on one PostgreSQL tell each other (DESIGN §3): "these events were appended" and "this
// session ended". A notification carries only numbers and ids, never an event: the instance holding the
// connection reads the event itself, so an envelope never travels outside its sealed column and a payload
// stays far under PostgreSQL's limit of 8,000 bytes.

/** The channels of one deployment: derived from its schema, so two on one database never hear each other. */
export interface Channels {
  events: string;
  sessions: string;
}

/** PostgreSQL truncates identifiers past 63 bytes; LISTEN would then hear a channel NOTIFY never names. */
const IDENTIFIER_MAX = 63;

export function channelsFor(schema: string): Channels {
  const name = (kind: string) => {
    const plain = `ringpost_${kind}_${schema}`;
    if (Buffer.byteLength(plain) <= IDENTIFIER_MAX) return plain;
    return `ringpost_${kind}_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
  };
  return { events: name('events'), sessions: name('sessions') };
}

/** An event appended to an account's log: the account and the event's number. */
export interface Appended {
  userId: string;
  seq: number;
}

/** Bytes per payload, under PostgreSQL's 8,000 with room to spare. */
export const PAYLOAD_MAX_BYTES = 7_000;

/** `seq:userId` entries joined by commas, split into as few payloads as fit. */
export function encodeAppended(entries: readonly Appended[]): string[] {
  const payloads: string[] = [];
  let current = '';
  for (const { userId, seq } of entries) {
    const entry = `${seq}:${userId}`;
    if (current !== '' && current.length + 1 + entry.length > PAYLOAD_MAX_BYTES) {
      payloads.push(current);
      current = '';
    }
    current = current === '' ? entry : `${current},${entry}`;
  }
  if (current !== '') payloads.push(current);
  return payloads;
}

const ENTRY = /^(\d{1,15}):([0-9a-f-]{36})$/;

/** The entries of one payload, or null when it is not one this code wrote (another version, or a stranger). */
export function decodeAppended(payload: string): Appended[] | null {
  const entries: Appended[] = [];
  for (const part of payload.split(',')) {
    const match = ENTRY.exec(part);
    if (!match?.[1] || !match[2]) return null;
    entries.push({ seq: Number(match[1]), userId: match[2] });
  }
  return entries;
}

/**
 * Queues the notifications inside `trx`: PostgreSQL sends them when it commits and drops them when it
 * rolls back, so no instance hears of an event it cannot read yet. One statement for the whole batch,
 * because every notifying commit takes one global lock in turn (group commit keeps them few).
 */
export async function notifyAppended(trx: Db, channel: string, entries: readonly Appended[]): Promise<void> {
  const payloads = encodeAppended(entries);
  if (payloads.length === 0) return;
  await sql`select pg_notify(${channel}, payload) from unnest(${payloads}::text[]) as payload`.execute(trx);
}

export async function notifySessionEnded(db: Db, channel: string, sessionKey: string): Promise<void> {
  await sql`select pg_notify(${channel}, ${sessionKey})`.execute(db);
}
