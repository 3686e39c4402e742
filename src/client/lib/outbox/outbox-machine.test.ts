import { describe, expect, it } from 'vitest';
import type { EnvelopeV1 } from '../../../shared/protocol/messages';
import { HOUR, SECOND } from '../../../shared/rules';
import {
  classifyFailure,
  defaultOutboxConfig,
  formatExpiry,
  newOutboxItem,
  next,
  statusOf,
  wakeAt,
  type OutboxConfig,
  type OutboxEffect,
  type OutboxEvent,
  type OutboxItem,
  type OutboxTrigger,
} from './outbox-machine';

const T0 = 1_700_000_000_000;
const config = defaultOutboxConfig;

/** The machine never opens an envelope; a well-formed-looking one is enough. */
function testEnvelope(id = 'AAAAAAAAAAAAAAAAAAAAAA', to = 'bob'): EnvelopeV1 {
  return {
    v: 1,
    id,
    from: 'alice',
    to,
    ts: T0,
    kid: { from: 'aa'.repeat(32), to: 'bb'.repeat(32) },
    iv: 'A'.repeat(16),
    ct: 'A'.repeat(1_387),
    wk: { to: 'A'.repeat(171), from: 'A'.repeat(171) },
    sig: 'A'.repeat(171),
  };
}

/** One item under a manual clock: feed events at chosen times, keep every effect for the assertions. */
class Driver {
  item: OutboxItem;
  now = T0;
  effects: OutboxEffect[] = [];

  constructor(readonly rules: OutboxConfig = config) {
    this.item = newOutboxItem('alice', testEnvelope(), T0);
  }

  at(time: number, event: OutboxEvent = { type: 'tick' }): OutboxEffect[] {
    this.now = time;
    const result = next(this.item, event, time, this.rules);
    this.item = result.item;
    this.effects.push(...result.effects);
    return result.effects;
  }

  /** Fires the item's own timer, as the runner does. */
  wake(): OutboxEffect[] {
    const at = wakeAt(this.item, this.rules);
    if (at === null) throw new Error('nothing to wake for');
    return this.at(Math.max(at, this.now));
  }

  sends(): number {
    return this.effects.filter((effect) => effect.type === 'send').length;
  }
}

const transient = (startedAt: number, message = 'Cannot reach Ringpost.'): OutboxEvent => ({
  type: 'failed',
  startedAt,
  failure: { kind: 'transient', message },
});

describe('the outbox machine', () => {
  it('sends a new item at once and waits one timeout for the answer', () => {
    const d = new Driver();
    expect(d.at(T0)).toEqual([{ type: 'send', startedAt: T0, timeoutMs: 12 * SECOND }]);
    expect(d.item).toMatchObject({ state: 'sending', attempts: 1, attemptStartedAt: T0 });
    expect(wakeAt(d.item, config)).toBe(T0 + 12 * SECOND);
    expect(d.at(T0 + 11_999)).toEqual([]);
  });

  it('becomes enqueued on a 202 and leaves the queue', () => {
    const d = new Driver();
    d.at(T0);
    expect(d.at(T0 + 300, { type: 'accepted', acceptedAt: T0 + 250 })).toEqual([
      { type: 'settled', status: 'enqueued', reason: null },
    ]);
    expect(d.item).toMatchObject({ state: 'enqueued', attemptStartedAt: null, nextAttemptAt: null });
    expect(wakeAt(d.item, config)).toBeNull();
    // Settled is final: nothing moves it again.
    expect(d.at(T0 + 400, { type: 'trigger', kind: 'online' })).toEqual([]);
    expect(d.at(T0 + 20 * HOUR)).toEqual([]);
  });

  it('makes 5 tries of 12 s each, then waits for a trigger', () => {
    const d = new Driver();
    d.at(T0);
    for (let attempt = 2; attempt <= 5; attempt++) {
      const effects = d.wake();
      const started = T0 + (attempt - 1) * 12 * SECOND;
      expect(effects).toEqual([
        { type: 'abort', startedAt: started - 12 * SECOND },
        { type: 'send', startedAt: started, timeoutMs: 12 * SECOND },
      ]);
      expect(d.item.attempts).toBe(attempt);
    }
    expect(d.wake()).toEqual([{ type: 'abort', startedAt: T0 + 48 * SECOND }]);
    expect(d.now).toBe(T0 + 60 * SECOND);
    expect(d.item).toMatchObject({
      state: 'waiting',
      attempts: 5,
      nextAttemptAt: null,
      attemptStartedAt: null,
    });
    expect(d.item.lastError).toBe('No answer within 12 s.');
    expect(statusOf(d.item.state)).toBe('sending');
    // Nothing more until a trigger, or the expiry.
    expect(wakeAt(d.item, config)).toBe(T0 + 12 * HOUR);
    expect(d.sends()).toBe(5);
  });

  it('spaces tries a slot apart when they fail at once, so a round still covers 60 s', () => {
    const d = new Driver();
    d.at(T0);
    expect(d.at(T0 + 40, transient(T0))).toEqual([]);
    expect(d.item).toMatchObject({
      state: 'sending',
      nextAttemptAt: T0 + 12 * SECOND,
      attemptStartedAt: null,
    });
    expect(d.at(T0 + 11 * SECOND)).toEqual([]);
    expect(d.wake()).toEqual([{ type: 'send', startedAt: T0 + 12 * SECOND, timeoutMs: 12 * SECOND }]);
    for (let attempt = 2; attempt <= 5; attempt++) {
      d.at(d.now + 5, transient(d.now));
      if (attempt < 5) d.wake();
    }
    expect(d.item).toMatchObject({ state: 'waiting', attempts: 5, lastError: 'Cannot reach Ringpost.' });
    expect(d.sends()).toBe(5);
  });

  it.each<OutboxTrigger>(['reconnected', 'keep-alive', 'online', 'user-sent'])(
    'the trigger %s starts a new round of tries once the outbox waits',
    (kind) => {
      const d = new Driver();
      d.at(T0);
      for (let i = 0; i < 5; i++) d.wake();
      expect(d.item.state).toBe('waiting');
      const later = T0 + 5 * 60 * SECOND;
      expect(d.at(later, { type: 'trigger', kind })).toEqual([
        { type: 'send', startedAt: later, timeoutMs: 12 * SECOND },
      ]);
      expect(d.item).toMatchObject({ state: 'sending', attempts: 1, attemptStartedAt: later });
      // A full new round: four more tries before it waits again.
      for (let i = 0; i < 4; i++) d.wake();
      expect(d.item.state).toBe('sending');
      d.wake();
      expect(d.item).toMatchObject({ state: 'waiting', attempts: 5 });
      expect(d.sends()).toBe(10);
    },
  );

  it('lets triggers alone while a round is under way: a keep-alive every 25 s does not reset the count', () => {
    const d = new Driver();
    d.at(T0);
    expect(d.at(T0 + 5 * SECOND, { type: 'trigger', kind: 'keep-alive' })).toEqual([]);
    d.at(T0 + 6 * SECOND, transient(T0));
    expect(d.at(T0 + 7 * SECOND, { type: 'trigger', kind: 'keep-alive' })).toEqual([]);
    expect(d.item).toMatchObject({ attempts: 1, nextAttemptAt: T0 + 12 * SECOND });
  });

  it('fails with "not sent within 12 h" once 12 h pass unsent, and leaves the queue', () => {
    const d = new Driver();
    d.at(T0);
    for (let i = 0; i < 5; i++) d.wake();
    d.at(T0 + 3 * HOUR, { type: 'trigger', kind: 'online' });
    for (let i = 0; i < 5; i++) d.wake();
    expect(d.item.state).toBe('waiting');
    expect(d.at(T0 + 12 * HOUR - 1)).toEqual([]);
    expect(d.wake()).toEqual([{ type: 'settled', status: 'error', reason: 'not sent within 12 h' }]);
    expect(d.now).toBe(T0 + 12 * HOUR);
    expect(d.item).toMatchObject({ state: 'error', errorReason: 'not sent within 12 h' });
    expect(wakeAt(d.item, config)).toBeNull();
  });

  it('starts no try after the expiry, even on a trigger that comes late', () => {
    const d = new Driver();
    d.at(T0);
    for (let i = 0; i < 5; i++) d.wake();
    // The laptop slept through the expiry; the first thing it hears is the network coming back.
    expect(d.at(T0 + 13 * HOUR, { type: 'trigger', kind: 'online' })).toEqual([
      { type: 'settled', status: 'error', reason: 'not sent within 12 h' },
    ]);
    expect(d.sends()).toBe(5);
  });

  it('lets a try in flight at the expiry finish: its 202 still counts, and its timeout ends the item', () => {
    const short: OutboxConfig = { sendTries: 5, sendTimeoutMs: 12 * SECOND, outboxExpiryMs: 30 * SECOND };
    const a = new Driver(short);
    a.at(T0);
    a.wake(); // second try at 12 s
    a.wake(); // third try at 24 s, in flight when the expiry passes at 30 s
    expect(wakeAt(a.item, short)).toBe(T0 + 36 * SECOND);
    expect(a.at(T0 + 31 * SECOND)).toEqual([]);
    a.at(T0 + 33 * SECOND, { type: 'accepted', acceptedAt: T0 + 33 * SECOND });
    expect(a.item.state).toBe('enqueued');

    const b = new Driver(short);
    b.at(T0);
    b.wake();
    b.wake();
    expect(b.wake()).toEqual([
      { type: 'abort', startedAt: T0 + 24 * SECOND },
      { type: 'settled', status: 'error', reason: 'not sent within 30 s' },
    ]);
  });

  it.each([
    [400, 'The envelope is not valid.'],
    [409, 'That message id was used for another message.'],
    [413, 'The envelope is too large.'],
  ])('fails at once on a %i, with the server’s message', (status, message) => {
    const d = new Driver();
    d.at(T0);
    const failure = classifyFailure({ status, message });
    expect(failure).toEqual({ kind: 'rejected', message });
    expect(d.at(T0 + 200, { type: 'failed', startedAt: T0, failure })).toEqual([
      { type: 'settled', status: 'error', reason: message },
    ]);
    expect(d.item).toMatchObject({ state: 'error', errorReason: message });
    expect(d.sends()).toBe(1);
  });

  it.each([
    [0, 'no answer'],
    [401, 'signed out (signing in again fixes it)'],
    [408, 'server timeout'],
    [429, 'rate limited without Retry-After'],
    [500, 'server error'],
    [503, 'unavailable'],
  ])('retries after a %i (%s)', (status) => {
    expect(classifyFailure({ status, message: 'x' })).toEqual({ kind: 'transient', message: 'x' });
  });

  it('waits out a 429’s Retry-After, and that try does not count as one of the five', () => {
    const d = new Driver();
    d.at(T0);
    const failure = classifyFailure({ status: 429, message: 'Slow down.', retryAfterSeconds: 30 });
    expect(failure).toEqual({ kind: 'rate-limited', retryAfterMs: 30 * SECOND, message: 'Slow down.' });
    d.at(T0 + 100, { type: 'failed', startedAt: T0, failure });
    expect(d.item).toMatchObject({ state: 'sending', attempts: 0, nextAttemptAt: T0 + 100 + 30 * SECOND });
    expect(d.at(T0 + 29 * SECOND)).toEqual([]);
    expect(d.at(T0 + 20 * SECOND, { type: 'trigger', kind: 'online' })).toEqual([]);
    expect(d.wake()).toEqual([{ type: 'send', startedAt: T0 + 30_100, timeoutMs: 12 * SECOND }]);
    expect(d.item.attempts).toBe(1);
  });

  it('ignores a late failure from a try it already gave up on', () => {
    const d = new Driver();
    d.at(T0);
    d.wake(); // first try timed out, second started at 12 s
    expect(d.at(T0 + 13 * SECOND, transient(T0))).toEqual([]);
    expect(d.item).toMatchObject({ attempts: 2, attemptStartedAt: T0 + 12 * SECOND });
  });

  it('resends safely after a timeout whose request did reach the server', () => {
    // The server's rule, in memory: a repeated id gets the first answer again, and is stored once.
    const stored = new Map<string, number>();
    const post = (id: string, at: number) => {
      if (!stored.has(id)) stored.set(id, at);
      return stored.get(id) ?? at;
    };
    const d = new Driver();
    d.at(T0);
    // The first try reaches the server, but its answer is lost on the way back.
    post(d.item.id, T0 + 100);
    expect(d.wake()).toEqual([
      { type: 'abort', startedAt: T0 },
      { type: 'send', startedAt: T0 + 12 * SECOND, timeoutMs: 12 * SECOND },
    ]);
    const acceptedAt = post(d.item.id, T0 + 12_100);
    d.at(T0 + 12_200, { type: 'accepted', acceptedAt });
    expect(d.item.state).toBe('enqueued');
    expect(stored.size).toBe(1);
    expect(acceptedAt).toBe(T0 + 100);
  });

  it('takes a 202 from a try it had given up on', () => {
    const d = new Driver();
    d.at(T0);
    for (let i = 0; i < 5; i++) d.wake();
    expect(d.item.state).toBe('waiting');
    d.at(T0 + 61 * SECOND, { type: 'accepted', acceptedAt: T0 + 59 * SECOND });
    expect(d.item.state).toBe('enqueued');
  });

  it('on resume in another tab, counts the orphaned try and sends again at once', () => {
    const d = new Driver();
    d.at(T0);
    expect(d.at(T0 + 4 * SECOND, { type: 'resume' })).toEqual([
      { type: 'send', startedAt: T0 + 4 * SECOND, timeoutMs: 12 * SECOND },
    ]);
    expect(d.item.attempts).toBe(2);

    const spent = new Driver();
    spent.at(T0);
    for (let i = 0; i < 4; i++) spent.wake();
    expect(spent.item.attempts).toBe(5);
    expect(spent.at(T0 + 50 * SECOND, { type: 'resume' })).toEqual([]);
    expect(spent.item).toMatchObject({ state: 'waiting', attemptStartedAt: null });

    // A waiting item stays waiting; one due now is sent.
    expect(spent.at(T0 + 51 * SECOND, { type: 'resume' })).toEqual([]);
    const fresh = newOutboxItem('alice', testEnvelope(), T0);
    expect(next(fresh, { type: 'resume' }, T0 + 5, config).effects).toEqual([
      { type: 'send', startedAt: T0 + 5, timeoutMs: 12 * SECOND },
    ]);
  });

  it('follows the configured values, as GET /api/config sends them', () => {
    const short: OutboxConfig = { sendTries: 2, sendTimeoutMs: 1_000, outboxExpiryMs: 10_000 };
    const d = new Driver(short);
    d.at(T0);
    d.wake();
    d.wake();
    expect(d.item).toMatchObject({ state: 'waiting', attempts: 2 });
    expect(d.now).toBe(T0 + 2_000);
    expect(d.wake()).toEqual([{ type: 'settled', status: 'error', reason: 'not sent within 10 s' }]);
  });

  it('words the expiry as a person reads it', () => {
    expect(formatExpiry(12 * HOUR)).toBe('12 h');
    expect(formatExpiry(30 * 60 * SECOND)).toBe('30 min');
    expect(formatExpiry(1_500)).toBe('2 s');
  });
});
