import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { memoryLogger } from '../log';
import { inProcessEventBus } from './event-bus';
import { createPushStreams, type PushSink, type StreamOwner } from './push-streams';
import { webStreamSink } from './sinks';

function recordingSink() {
  const { sink, body } = webStreamSink();
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  // A read that lost the race to the timeout stays pending; the next call must wait for it, not drop it.
  let pending: ReturnType<typeof reader.read> | null = null;
  return {
    sink,
    /** Everything written so far (reads until the stream has nothing more queued). */
    async read() {
      for (;;) {
        pending ??= reader.read();
        const next = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 20))]);
        if (!next) return text;
        pending = null;
        if (next.done) return text;
        text += next.value;
      }
    },
  };
}

/** A stream of `userId`'s, opened by session `sessionKey` (its own name unless given) lasting a day. */
function owner(userId: string, sessionKey = `${userId}-session`, expiresAt = 86_400_000): StreamOwner {
  return { userId, sessionKey, expiresAt };
}

function setup() {
  const clock = manualClock(0);
  const { log } = memoryLogger();
  const bus = inProcessEventBus(log);
  const streams = createPushStreams({ bus, clock, keepAliveMs: 25_000, log });
  return { clock, bus, streams };
}

describe('push streams', () => {
  it('send the reconnect hint, then the user’s own events, and a heartbeat on the clock', async () => {
    const { clock, bus, streams } = setup();
    const alice = recordingSink();
    const bob = recordingSink();
    streams.open(owner('alice'), alice.sink);
    streams.open(owner('bob'), bob.sink);
    bus.publish('alice', { type: 'identity.updated' }, 7);
    expect(await alice.read()).toBe(
      'retry: 1000\n\nid: 7\nevent: identity.updated\ndata: {"type":"identity.updated"}\n\n',
    );
    expect(await bob.read()).toBe('retry: 1000\n\n');
    await clock.advance(25_000);
    expect(await bob.read()).toBe('retry: 1000\n\nevent: keep-alive\ndata: 1\n\n');
    expect(streams.count()).toBe(2);
  });

  it('forget a stream the browser closed: no more events, no more heartbeats', async () => {
    const { clock, bus, streams } = setup();
    const { sink, body } = webStreamSink();
    streams.open(owner('carol'), sink);
    await body.cancel();
    expect(streams.count()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    bus.publish('carol', { type: 'identity.updated' }, 1);
  });

  it('end every stream with a reconnect hint on shutdown, and turn new ones away', async () => {
    const { streams } = setup();
    const first = recordingSink();
    streams.open(owner('dave'), first.sink);
    await streams.closeAll();
    expect(await first.read()).toBe('retry: 1000\n\nretry: 1000\n\n');
    expect(streams.count()).toBe(0);
    let ended = false;
    const late: PushSink = { write: () => true, end: () => (ended = true), onClose: () => undefined };
    streams.open(owner('dave'), late);
    expect(ended).toBe(true);
    expect(streams.count()).toBe(0);
  });

  it('share one heartbeat timer among all streams, and keep none once the last has gone', async () => {
    const { clock, streams } = setup();
    const sinks = [recordingSink(), recordingSink(), recordingSink()];
    for (const [index, { sink }] of sinks.entries()) streams.open(owner(`user-${index}`), sink);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(25_000);
    for (const recorded of sinks) {
      expect(await recorded.read()).toBe('retry: 1000\n\nevent: keep-alive\ndata: 1\n\n');
    }
    for (const { sink } of sinks) sink.end();
    expect(streams.count()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('end the streams of a session that signed out, and only those', async () => {
    const { bus, streams } = setup();
    const signedOut = recordingSink();
    const otherTab = recordingSink();
    const otherBrowser = recordingSink();
    streams.open(owner('erin', 'laptop'), signedOut.sink);
    streams.open(owner('erin', 'laptop'), otherTab.sink);
    streams.open(owner('erin', 'phone'), otherBrowser.sink);
    expect(streams.endSession('laptop')).toBe(2);
    expect(streams.endSession('laptop')).toBe(0);
    bus.publish('erin', { type: 'ring.updated' }, 3);
    // No reconnect hint: the browser's retry would meet a 401 anyway.
    expect(await signedOut.read()).toBe('retry: 1000\n\n');
    expect(await otherTab.read()).toBe('retry: 1000\n\n');
    expect(await otherBrowser.read()).toBe(
      'retry: 1000\n\nid: 3\nevent: ring.updated\ndata: {"type":"ring.updated"}\n\n',
    );
    expect(streams.count()).toBe(1);
  });

  it('end a stream at the first heartbeat after its session lapses', async () => {
    const { clock, bus, streams } = setup();
    const short = recordingSink();
    const long = recordingSink();
    streams.open(owner('fay', 'short', 30_000), short.sink);
    streams.open(owner('fay', 'long', 90_000), long.sink);
    await clock.advance(25_000);
    expect(streams.count()).toBe(2);
    await clock.advance(25_000);
    expect(streams.count()).toBe(1);
    bus.publish('fay', { type: 'ring.updated' }, 1);
    expect(await short.read()).toBe('retry: 1000\n\nevent: keep-alive\ndata: 1\n\n');
    expect(await long.read()).toContain('event: ring.updated');
  });
});
