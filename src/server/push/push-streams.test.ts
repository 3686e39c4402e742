import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { memoryLogger } from '../log';
import { inProcessEventBus } from './event-bus';
import { createPushStreams, type PushSink } from './push-streams';
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
    streams.open('alice', alice.sink);
    streams.open('bob', bob.sink);
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
    streams.open('carol', sink);
    await body.cancel();
    expect(streams.count()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    bus.publish('carol', { type: 'identity.updated' }, 1);
  });

  it('end every stream with a reconnect hint on shutdown, and turn new ones away', async () => {
    const { streams } = setup();
    const first = recordingSink();
    streams.open('dave', first.sink);
    await streams.closeAll();
    expect(await first.read()).toBe('retry: 1000\n\nretry: 1000\n\n');
    expect(streams.count()).toBe(0);
    let ended = false;
    const late: PushSink = { write: () => true, end: () => (ended = true), onClose: () => undefined };
    streams.open('dave', late);
    expect(ended).toBe(true);
    expect(streams.count()).toBe(0);
  });
});
