import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../shared/protocol/events';
import { randomBytes } from 'node:crypto';
import { manualClock } from '../clock';
import { insertAccount } from '../db/accounts';
import { transact } from '../db/transaction';
import { memoryLogger } from '../log';
import { storeTargets, useTestStore } from '../testing/test-app';
import { inProcessEventBus } from './event-bus';

const event: ServerEvent = { type: 'identity.updated' };

describe('the in-process event bus', () => {
  it('delivers to every subscriber of that user only, until they unsubscribe', () => {
    const { log } = memoryLogger();
    const bus = inProcessEventBus(log);
    const got: string[] = [];
    const stopA1 = bus.subscribe('a', () => got.push('a1'));
    bus.subscribe('a', () => got.push('a2'));
    bus.subscribe('b', () => got.push('b'));
    bus.publish('a', event, 1);
    expect(got).toEqual(['a1', 'a2']);
    stopA1();
    bus.publish('a', event, 1);
    expect(got).toEqual(['a1', 'a2', 'a2']);
  });

  it('keeps delivering to the others when one listener throws, and logs it', () => {
    const { log, lines } = memoryLogger();
    const bus = inProcessEventBus(log);
    const got: string[] = [];
    bus.subscribe('a', () => {
      throw new Error('socket gone');
    });
    bus.subscribe('a', () => got.push('second'));
    bus.publish('a', event, 1);
    expect(got).toEqual(['second']);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });
});

describe.each(storeTargets())('events queued in a transaction on $kind', (target) => {
  const store = useTestStore(target);

  it('go out after the commit, and never after a rollback', async () => {
    const { log } = memoryLogger();
    const bus = inProcessEventBus(log);
    const publisher = { bus, clock: manualClock() };
    const seen: string[] = [];
    // Each event is logged under its account, so the account must exist.
    const u = `u-${randomBytes(6).toString('hex')}`;
    await insertAccount(store().db, { id: u, name: u, authHash: 'x', kdfIterations: 600_000, createdAt: 0 });
    bus.subscribe(u, () => seen.push('event'));

    await transact(store().db, publisher, async (trx, events) => {
      events.emit(u, event);
      // Not yet: the write could still roll back.
      expect(seen).toEqual([]);
      await trx.deleteFrom('sessions').where('token_hash', '=', 'none').execute();
    });
    expect(seen).toEqual(['event']);

    await expect(
      transact(store().db, publisher, async (trx, events) => {
        events.emit(u, event);
        await trx.deleteFrom('sessions').where('token_hash', '=', 'none').execute();
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(seen).toEqual(['event']);
  });
});
