import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storeTargets, useTestStore } from '../testing/test-app';
import { insertTestAccount, uniqueName as unique } from '../testing/store-fixtures';
import { insertIdentity } from './identities';
import { countStars, markMessageRead, starMessage, sweepMessages, unstarMessage } from './marks';
import {
  acknowledgeMessage,
  findHeldMessage,
  findHeldMessages,
  heldMessageKey,
  insertMessage,
} from './messages';
import type { Db } from './schema';

// Store-and-forward at the store, for what the routes reach only through a second instance (the batch
// lookup of the PostgreSQL event bus) or a race (two acknowledgements at once), and the sweep's read marks.

const envelopeId = () => randomBytes(16).toString('base64url');

async function person(db: Db) {
  const id = await insertTestAccount(db);
  const name = unique('name');
  await insertIdentity(db, {
    account_id: id,
    community_name: name,
    public_key: unique('spki'),
    fingerprint: unique('fp').padEnd(64, '0'),
    key_bits: 1024,
    key_backup: '{}',
    activated_at: 1,
    named_at: 1,
  });
  return { id, name };
}

async function send(
  db: Db,
  from: { id: string },
  to: { id: string | null; name: string },
  acceptedAt = 10,
  id = envelopeId(),
) {
  const stored = await insertMessage(db, {
    id,
    sender_id: from.id,
    recipient_name: to.name,
    recipient_id: to.id,
    sealed: `sealed-${id}`,
    key_version: 1,
    accepted_at: acceptedAt,
    expires_at: acceptedAt + 1_000,
  });
  expect(stored.inserted).toBe(true);
  return id;
}

describe.each(storeTargets())('held messages on $kind', (target) => {
  const store = useTestStore(target);

  it('finds a batch of held messages, each only for its own recipient, across statements', async () => {
    const db = store().db;
    const alice = await person(db);
    const bob = await person(db);
    const carol = await person(db);
    // More than one statement's worth, so the batches are joined up.
    const toBob: string[] = [];
    for (let i = 0; i < 205; i++) toBob.push(await send(db, alice, bob, 10 + i));
    const toCarol = await send(db, alice, carol);
    // To a name without an account (a decoy's): held, but nobody's to read.
    const toNobody = await send(db, alice, { id: null, name: unique('nobody') });

    const refs = [
      ...toBob.map((id) => ({ recipientId: bob.id, senderName: alice.name, id })),
      { recipientId: carol.id, senderName: alice.name, id: toCarol },
      // Asked for the wrong recipient: another person's message is not found for Bob.
      { recipientId: bob.id, senderName: alice.name, id: toCarol },
      { recipientId: bob.id, senderName: alice.name, id: toNobody },
      { recipientId: bob.id, senderName: carol.name, id: toBob[0] ?? '' },
    ];
    const found = await findHeldMessages(db, refs);
    expect([...found.keys()].sort()).toEqual(refs.slice(0, 206).map(heldMessageKey).sort());
    const first = found.get(
      heldMessageKey({ recipientId: bob.id, senderName: alice.name, id: toBob[0] ?? '' }),
    );
    expect(first).toEqual({
      id: toBob[0],
      senderId: alice.id,
      senderName: alice.name,
      sealed: `sealed-${toBob[0]}`,
      keyVersion: 1,
      acceptedAt: 10,
    });
    expect((await findHeldMessages(db, [])).size).toBe(0);
  });

  it('gives one of two acknowledgements at once the delivery, and the other the same answer as a repeat', async () => {
    const db = store().db;
    const alice = await person(db);
    const bob = await person(db);
    for (let round = 0; round < 5; round++) {
      const id = await send(db, alice, bob);
      const ack = { recipientId: bob.id, senderName: alice.name, id, now: 20 };
      const outcomes = await Promise.all([acknowledgeMessage(db, ack), acknowledgeMessage(db, ack)]);
      expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['already_delivered', 'delivered']);
      expect(await acknowledgeMessage(db, ack)).toEqual({ outcome: 'already_delivered' });
      // Only its recipient may acknowledge it.
      expect(await acknowledgeMessage(db, { ...ack, recipientId: alice.id })).toEqual({
        outcome: 'not_found',
      });
    }
  });

  it('stars at most the limit however stars race, and says whether a mark or an unstar changed anything', async () => {
    const db = store().db;
    const alice = await person(db);
    const bob = await person(db);
    const messages = [];
    for (let i = 0; i < 8; i++)
      messages.push({ senderId: alice.id, id: await send(db, alice, bob), sealed: 'x' });
    const outcomes = await Promise.all(messages.map((message) => starMessage(db, bob.id, message, 30, 5)));
    expect(outcomes.filter((outcome) => outcome === 'starred')).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome === 'full')).toHaveLength(3);
    expect(await countStars(db, bob.id)).toBe(5);
    const slots = await db
      .selectFrom('message_stars')
      .select('slot')
      .where('account_id', '=', bob.id)
      .execute();
    expect(slots.map((row) => row.slot).sort()).toEqual([1, 2, 3, 4, 5]);

    const starred = messages[outcomes.indexOf('starred')];
    if (!starred) throw new Error('nothing starred');
    expect(await starMessage(db, bob.id, starred, 31, 5)).toBe('already_starred');
    expect(await unstarMessage(db, bob.id, starred)).toBe(true);
    expect(await unstarMessage(db, bob.id, starred)).toBe(false);
    expect(await markMessageRead(db, bob.id, starred, 32)).toBe(true);
    expect(await markMessageRead(db, bob.id, starred, 33)).toBe(false);
  });
});

// A store of its own: the sweep takes every old message, and its counts are part of what is tested.
describe.each(storeTargets())('the retention sweep on $kind', (target) => {
  const store = useTestStore(target);

  it('forgets the read marks of messages the sweep removes, and keeps those of messages it keeps', async () => {
    const db = store().db;
    const alice = await person(db);
    const bob = await person(db);
    const old = await send(db, alice, bob, 10);
    const starred = await send(db, alice, bob, 10);
    const recent = await send(db, alice, bob, 5_000);
    for (const id of [old, starred, recent]) {
      expect(
        await acknowledgeMessage(db, { recipientId: bob.id, senderName: alice.name, id, now: 6_000 }),
      ).toMatchObject({ outcome: 'delivered' });
      expect(await markMessageRead(db, bob.id, { senderId: alice.id, id, sealed: 'x' }, 6_000)).toBe(true);
    }
    expect(await starMessage(db, bob.id, { senderId: alice.id, id: starred, sealed: 'x' }, 6_000, 5)).toBe(
      'starred',
    );

    // The old one goes, row and all; the recent one loses its content and keeps its row for now.
    expect(await sweepMessages(db, { contentCutoff: 5_001, rowCutoff: 100 })).toEqual({
      emptied: 2,
      removed: 1,
    });
    const reads = await db
      .selectFrom('message_reads')
      .select('message_id')
      .where('account_id', '=', bob.id)
      .orderBy('message_id')
      .execute();
    expect(reads.map((row) => row.message_id)).toEqual([starred, recent].sort());
    // A message without its content is no longer held: nothing of it is sent again.
    const ref = (id: string) => ({ recipientId: bob.id, senderName: alice.name, id });
    const held = await findHeldMessages(db, [ref(starred), ref(recent)]);
    expect([...held.keys()]).toEqual([heldMessageKey(ref(starred))]);
    expect(await findHeldMessage(db, bob.id, alice.name, recent)).toBeNull();
    expect(await findHeldMessage(db, bob.id, alice.name, starred)).toMatchObject({
      id: starred,
      sealed: `sealed-${starred}`,
    });
  });
});
