import { z } from 'zod';
import { envelopeV1Schema, type EnvelopeV1, type IncomingMessage } from '../shared/protocol/messages';
import { serverEventSchema, type ServerEvent } from '../shared/protocol/events';
import { HOUR, MINUTE, SECOND } from '../shared/rules';
import type { Clock } from './clock';
import type { Config } from './config';
import { listEventsAfter, latestEventSeq } from './db/events';
import {
  acknowledgeMessage,
  failMessage,
  findHeldMessage,
  insertMessage,
  listExpiredMessages,
  listPendingMessages,
  type HeldMessageRow,
} from './db/messages';
import { mayWrite } from './db/ring';
import type { Db } from './db/schema';
import { transact } from './db/transaction';
import type { EventBus } from './push/event-bus';
import type { Replay, ReplayFrame } from './push/push-streams';
import { messageAad, type ServerKeyring } from './server-keys';

// Store-and-forward for sealed envelopes (DESIGN §2–§5). The server never opens an envelope: it checks
// who may send to whom, stores each one sealed again under the server key, pushes it to the recipient,
// and tells the sender when it was delivered or when the hold ran out.

export interface MessagingDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  config: Config;
  keyring: ServerKeyring;
}

/** Most pending messages listed (or replayed on a fresh stream) at once; the rest follow after acks. */
export const PENDING_LIMIT = 500;
/** Log entries read per query while replaying a stream. */
const REPLAY_PAGE = 500;
/** Rows the hold sweep fails per run; the next run takes the rest. */
const EXPIRY_BATCH = 500;

/** "72 h", "90 min", "45 s": the hold as a person reads it in a status. */
export function holdInWords(ms: number): string {
  if (ms >= HOUR && ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms >= MINUTE && ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${Math.max(1, Math.round(ms / SECOND))} s`;
}

export function openHeld(keyring: ServerKeyring, row: HeldMessageRow): IncomingMessage {
  const json = keyring.open(
    { sealed: row.sealed, keyVersion: row.keyVersion },
    messageAad(row.senderId, row.id),
  );
  return { envelope: envelopeV1Schema.parse(JSON.parse(json)), acceptedAt: row.acceptedAt };
}

/**
 * Accepts an envelope from `sender` (already checked to be its own). The same steps for every recipient:
 * resolve, seal, store; only a recipient the sender may write to also gets the event. A repeated id stores
 * nothing and returns the first acceptance.
 */
export async function acceptMessage(
  deps: MessagingDeps,
  sender: { id: string; name: string },
  envelope: EnvelopeV1,
): Promise<{ acceptedAt: number }> {
  const now = deps.clock.now();
  const { sealed, keyVersion } = deps.keyring.seal(
    JSON.stringify(envelope),
    messageAad(sender.id, envelope.id),
  );
  return transact(deps.db, deps, async (trx, events) => {
    const recipientId = await mayWrite(trx, sender, envelope.to, now);
    const stored = await insertMessage(trx, {
      id: envelope.id,
      sender_id: sender.id,
      recipient_name: envelope.to,
      recipient_id: recipientId,
      sealed,
      key_version: keyVersion,
      accepted_at: now,
      expires_at: now + deps.config.holdMs,
    });
    if (stored.inserted && recipientId !== null) {
      events.emit(recipientId, { type: 'message', message: { envelope, acceptedAt: now } });
    }
    return { acceptedAt: stored.acceptedAt };
  });
}

/** The recipient's browser stored the message: delivered once, and the sender's browsers are told. */
export async function acknowledge(
  deps: MessagingDeps,
  ack: { recipientId: string; senderName: string; id: string },
): Promise<boolean> {
  const now = deps.clock.now();
  return transact(deps.db, deps, async (trx, events) => {
    const result = await acknowledgeMessage(trx, { ...ack, now });
    if (result.outcome === 'delivered') {
      events.emit(result.senderId, {
        type: 'message.status',
        update: { id: ack.id, to: result.recipientName, status: 'delivered', at: now, reason: null },
      });
    }
    return result.outcome !== 'not_found';
  });
}

export async function pendingMessages(deps: MessagingDeps, recipientId: string): Promise<IncomingMessage[]> {
  const rows = await listPendingMessages(deps.db, recipientId, deps.clock.now(), PENDING_LIMIT);
  return rows.map((row) => openHeld(deps.keyring, row));
}

/**
 * Fails every message past its hold, dropped ones too (so a decoy's sender sees the same Error a real
 * offline recipient's does), destroys its content and tells the sender. Safe to run again: each row fails
 * once. Returns how many failed.
 */
export async function expireHeldMessages(deps: MessagingDeps): Promise<number> {
  const reason = `not delivered within ${holdInWords(deps.config.holdMs)}`;
  let failed = 0;
  for (;;) {
    const now = deps.clock.now();
    const due = await listExpiredMessages(deps.db, now, EXPIRY_BATCH);
    for (const message of due) {
      const done = await transact(deps.db, deps, async (trx, events) => {
        const row = await failMessage(trx, { ...message, now, reason });
        if (row) {
          events.emit(message.senderId, {
            type: 'message.status',
            update: { id: message.id, to: row.recipientName, status: 'error', at: now, reason },
          });
        }
        return row !== null;
      });
      if (done) failed += 1;
    }
    if (due.length < EXPIRY_BATCH) return failed;
  }
}

/** What the log keeps of a message event (see `loggedForm`). */
const messageRefSchema = z.object({ from: z.string(), id: z.string() });

/** A message event read back from the log, or null when its content is gone (expired, or past retention). */
async function resolveLogged(
  deps: MessagingDeps,
  accountId: string,
  type: string,
  payload: string,
): Promise<ServerEvent | null> {
  const parsed: unknown = JSON.parse(payload);
  if (type !== 'message') return serverEventSchema.parse(parsed);
  const ref = messageRefSchema.parse(parsed);
  const row = await findHeldMessage(deps.db, accountId, ref.from, ref.id);
  return row ? { type: 'message', message: openHeld(deps.keyring, row) } : null;
}

/**
 * What a new stream sends first. With a Last-Event-ID: every logged event after it, in order. Without:
 * the messages still waiting (the page fetches everything else itself), then the current number, so a
 * later reconnect resumes from there.
 */
export async function streamReplay(
  deps: MessagingDeps,
  accountId: string,
  lastEventId: number | null,
): Promise<Replay> {
  if (lastEventId === null) {
    const head = await latestEventSeq(deps.db, accountId);
    const pending = await pendingMessages(deps, accountId);
    const sent = new Set(pending.map((message) => `${message.envelope.from}/${message.envelope.id}`));
    return {
      after: 0,
      head,
      frames: pending.map((message) => ({ seq: null, event: { type: 'message', message } })),
      alreadySent: (event) =>
        event.type === 'message' && sent.has(`${event.message.envelope.from}/${event.message.envelope.id}`),
    };
  }
  const frames: ReplayFrame[] = [];
  let head = lastEventId;
  for (;;) {
    const page = await listEventsAfter(deps.db, accountId, head, REPLAY_PAGE);
    for (const row of page) {
      head = row.seq;
      const event = await resolveLogged(deps, accountId, row.type, row.payload);
      if (event) frames.push({ seq: row.seq, event });
    }
    if (page.length < REPLAY_PAGE) return { after: lastEventId, head, frames };
  }
}
