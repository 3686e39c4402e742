import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { countingDecoyKeys, storeTargets, useTestStore } from '../testing/test-app';
import { decoyFor, refillDecoyPool } from '../decoy-keys';
import { insertTestAccount, nextUnique, uniqueName as unique } from '../testing/store-fixtures';
import {
  assignPoolDecoy,
  countPoolDecoys,
  findDecoyByName,
  insertPoolDecoys,
  type DecoyKeyMaterial,
} from './directory';
import {
  acceptInvite,
  acceptTerms,
  declineInvite,
  deleteExpiredInvites,
  findPins,
  putPins,
  removeMember,
  upsertInvite,
  withdrawInvite,
} from './ring';
import type { Db } from './schema';

const inviteId = () => randomBytes(16).toString('base64url');

const account = insertTestAccount;

/** Stand-in key material: these tests are about rows, not keys (the route tests use real ones). */
const fakeKey = (bits = 1024): DecoyKeyMaterial => ({
  publicKey: unique('spki'),
  fingerprint: unique('fp').padEnd(64, '0'),
  keyBits: bits,
});

async function inviteRow(db: Db, id: string) {
  return (await db.selectFrom('invites').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

describe.each(storeTargets())('the Ring of Trust’s data on $kind', (target) => {
  const store = useTestStore(target);

  it('keeps the first acceptance of the terms', async () => {
    const db = store().db;
    const owner = await account(db);
    expect(await acceptTerms(db, owner, 1, 100)).toEqual({ acceptedAt: 100, first: true });
    expect(await acceptTerms(db, owner, 1, 200)).toEqual({ acceptedAt: 100, first: false });
    // A new version of the terms is a new acceptance.
    expect(await acceptTerms(db, owner, 2, 300)).toEqual({ acceptedAt: 300, first: true });
  });

  it('sends an invite again with a new id and expiry, clearing a withdrawal but keeping a decline', async () => {
    const db = store().db;
    const from = await account(db);
    const name = unique('n');
    const first = await upsertInvite(db, {
      id: inviteId(),
      fromAccountId: from,
      toName: name,
      now: 10,
      expiresAt: 20,
    });
    expect(first).toMatchObject({ communityName: name, createdAt: 10, expiresAt: 20 });
    expect(await declineInvite(db, { inviteId: first.id, toName: name, now: 11 })).toBe(true);
    // Cancelling a declined invite keeps the row (and the decline) as a withdrawn one.
    expect(await withdrawInvite(db, from, first.id, 12)).toBe(true);
    expect(await inviteRow(db, first.id)).toMatchObject({ declined_at: 11, withdrawn_at: 12 });
    expect(await withdrawInvite(db, from, first.id, 13)).toBe(false);

    const second = await upsertInvite(db, {
      id: inviteId(),
      fromAccountId: from,
      toName: name,
      now: 30,
      expiresAt: 40,
    });
    expect(second.id).not.toBe(first.id);
    expect(await inviteRow(db, first.id)).toBeNull();
    expect(await inviteRow(db, second.id)).toMatchObject({
      from_account_id: from,
      to_name: name,
      created_at: 30,
      expires_at: 40,
      declined_at: 11,
      withdrawn_at: null,
    });
    // Only the addressee's name declines it.
    const other = await upsertInvite(db, {
      id: inviteId(),
      fromAccountId: from,
      toName: unique('n'),
      now: 1,
      expiresAt: 9,
    });
    expect(await declineInvite(db, { inviteId: other.id, toName: name, now: 2 })).toBe(false);
    // An undeclined invite is deleted when cancelled, and only by its sender.
    expect(await withdrawInvite(db, await account(db), other.id, 3)).toBe(false);
    expect(await withdrawInvite(db, from, other.id, 3)).toBe(true);
    expect(await inviteRow(db, other.id)).toBeNull();
  });

  it('sweeps expired invites that were never declined, and keeps declined ones', async () => {
    const db = store().db;
    const from = await account(db);
    const lapsed = await upsertInvite(db, {
      id: inviteId(),
      fromAccountId: from,
      toName: unique('n'),
      now: 1,
      expiresAt: 50,
    });
    const declined = await upsertInvite(db, {
      id: inviteId(),
      fromAccountId: from,
      toName: unique('n'),
      now: 1,
      expiresAt: 50,
    });
    const pending = await upsertInvite(db, {
      id: inviteId(),
      fromAccountId: from,
      toName: unique('n'),
      now: 1,
      expiresAt: 51,
    });
    await declineInvite(db, { inviteId: declined.id, toName: declined.communityName, now: 2 });
    expect(await deleteExpiredInvites(db, 50)).toBeGreaterThanOrEqual(1);
    expect(await inviteRow(db, lapsed.id)).toBeNull();
    expect(await inviteRow(db, declined.id)).not.toBeNull();
    expect(await inviteRow(db, pending.id)).not.toBeNull();
  });

  it('ends one membership and the invites between its two people, and nothing of anyone else', async () => {
    const db = store().db;
    const person = async (prefix: string) => ({ id: await account(db), name: unique(prefix) });
    const invite = (from: { id: string }, to: { name: string }) =>
      upsertInvite(db, { id: inviteId(), fromAccountId: from.id, toName: to.name, now: 1, expiresAt: 1_000 });
    const owner = await person('owner');
    const member = await person('member');
    const other = await person('other');
    const stranger = await person('stranger');
    for (const friend of [member, other]) {
      const sent = await invite(owner, friend);
      const accepted = await db
        .transaction()
        .execute((trx) => acceptInvite(trx, { inviteId: sent.id, inviter: owner, invitee: friend, now: 2 }));
      expect(accepted).not.toBeNull();
    }
    const between = await invite(member, owner);
    const kept = [await invite(other, member), await invite(stranger, owner), await invite(owner, stranger)];
    const ids = [owner.id, member.id, other.id, stranger.id];
    const memberships = async () =>
      (
        await db
          .selectFrom('ring_members')
          .select(['owner_id', 'member_id'])
          .where('owner_id', 'in', ids)
          .orderBy('owner_id')
          .orderBy('member_id')
          .execute()
      ).map((row) => `${row.owner_id}>${row.member_id}`);
    const pairs = (a: { id: string }, b: { id: string }) => [`${a.id}>${b.id}`, `${b.id}>${a.id}`];

    expect(await memberships()).toEqual(
      expect.arrayContaining([...pairs(owner, member), ...pairs(owner, other)]),
    );
    expect(await removeMember(db, owner, member)).toBe(true);
    expect((await memberships()).sort()).toEqual(pairs(owner, other).sort());
    expect(await inviteRow(db, between.id)).toBeNull();
    for (const { id } of kept) expect(await inviteRow(db, id)).not.toBeNull();
    // Gone already, as when the other side removed first a moment before.
    expect(await removeMember(db, owner, member)).toBe(false);
  });

  it('lets one of an accept and a cancel racing for the same invite win', async () => {
    const db = store().db;
    const inviter = { id: await account(db), name: unique('inviter') };
    const invitee = { id: await account(db), name: unique('invitee') };
    for (let round = 0; round < 5; round++) {
      const sent = await upsertInvite(db, {
        id: inviteId(),
        fromAccountId: inviter.id,
        toName: invitee.name,
        now: 1,
        expiresAt: 1_000,
      });
      const [accepted, withdrawn] = await Promise.all([
        db.transaction().execute((trx) => acceptInvite(trx, { inviteId: sent.id, inviter, invitee, now: 2 })),
        withdrawInvite(db, inviter.id, sent.id, 2),
      ]);
      expect([accepted !== null, withdrawn].filter(Boolean)).toHaveLength(1);
      await db.deleteFrom('ring_members').where('owner_id', 'in', [inviter.id, invitee.id]).execute();
    }
  });

  it('writes pins only from the version stored, so of many racing writes exactly one lands', async () => {
    const db = store().db;
    const owner = await account(db);
    expect(await findPins(db, owner)).toBeNull();
    const firsts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => putPins(db, owner, { blob: `first-${i}`, baseVersion: 0, now: 1 })),
    );
    expect(firsts.filter((version) => version === 1)).toHaveLength(1);
    const seconds = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        putPins(db, owner, { blob: `second-${i}`, baseVersion: 1, now: 2 }),
      ),
    );
    expect(seconds.filter((version) => version === 2)).toHaveLength(1);
    const winner = seconds.findIndex((version) => version === 2);
    expect(await findPins(db, owner)).toEqual({ blob: `second-${winner}`, version: 2 });
  });

  it('never gives one pool key to two names, nor two keys to one name, however requests race', async () => {
    const db = store().db;
    const bits = 4_096 + nextUnique(); // A size of this test's own, so other tests' pool keys stay out of it.
    await insertPoolDecoys(
      db,
      Array.from({ length: 6 }, () => fakeKey(bits)),
      1,
    );
    const names = Array.from({ length: 4 }, () => unique('name'));
    // Each name asked for three times at once: 12 requests for 6 keys, 4 of which can be handed out.
    const answers = await Promise.all(
      [...names, ...names, ...names].map(async (name) => ({
        name,
        key: await assignPoolDecoy(db, name, bits, 5),
      })),
    );
    for (const name of names) {
      const keys = new Set(
        answers.filter((answer) => answer.name === name).map((answer) => answer.key?.fingerprint),
      );
      expect(keys.size, name).toBe(1);
      expect([...keys][0]).toBe((await findDecoyByName(db, name))?.fingerprint);
    }
    expect(new Set(answers.map((answer) => answer.key?.fingerprint)).size).toBe(names.length);
    expect(await countPoolDecoys(db, bits)).toBe(2);
  });

  it('makes a decoy on the spot when the pool is empty, and keeps it for the name', async () => {
    const db = store().db;
    const generator = countingDecoyKeys();
    const name = unique('fresh');
    const bits = 1024;
    const leftovers = await countPoolDecoys(db, bits);
    // Whatever another test left in the pool goes first.
    for (let i = 0; i < leftovers; i++) await assignPoolDecoy(db, unique('drain'), bits, 1);
    const made = await decoyFor(db, generator, { name, bits, now: 1 });
    expect(generator.made).toBe(1);
    expect(await decoyFor(db, generator, { name, bits, now: 2 })).toEqual(made);
    expect(generator.made).toBe(1);
  });

  it('fills the pool to its size a few keys at a time, drops other sizes, and stops when told', async () => {
    const db = store().db;
    const generator = countingDecoyKeys();
    const stale = 3_000 + nextUnique();
    const bits = 1024;
    await insertPoolDecoys(db, [fakeKey(stale), fakeKey(stale)], 1);
    const before = await countPoolDecoys(db, bits);
    const made = await refillDecoyPool(db, generator, { size: before + 3, bits, now: () => 7 });
    expect(made).toBe(3);
    expect(generator.made).toBe(3);
    expect(await countPoolDecoys(db, bits)).toBe(before + 3);
    expect(await countPoolDecoys(db, stale)).toBe(0);

    const stop = new AbortController();
    stop.abort();
    expect(
      await refillDecoyPool(db, generator, { size: before + 10, bits, now: () => 8, signal: stop.signal }),
    ).toBe(0);
    expect(generator.made).toBe(3);
  });
});
