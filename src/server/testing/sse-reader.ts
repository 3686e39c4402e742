import type { ApiSession } from './http-session';

// A push-channel client for the bench and the tests of several instances: `GET /api/events` over Node's fetch, its body cut into SSE frames as
// an EventSource would (WHATWG HTML, "Server-sent events"). Callers register what they wait for *before*
// causing it, so a frame that arrives early is never missed; frames nobody waits for are dropped.

export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

export interface EventStream {
  /** Resolves with the first later frame `match` accepts, at the moment it was parsed. */
  waitFor(match: (frame: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  /** The id of the last frame that had one: what EventSource sends as Last-Event-ID when it reconnects. */
  lastEventId(): string | null;
  /** Resolves when the server ends the stream or the connection breaks. */
  ended: Promise<void>;
  close(): void;
}

interface Waiter {
  match: (frame: SseFrame) => boolean;
  resolve: (frame: SseFrame) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function parseFrame(block: string): SseFrame | null {
  const frame: SseFrame = { id: null, event: 'message', data: '' };
  const data: string[] = [];
  let fields = 0;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    fields += 1;
    if (name === 'id') frame.id = value;
    else if (name === 'event') frame.event = value;
    else if (name === 'data') data.push(value);
  }
  frame.data = data.join('\n');
  return fields === 0 ? null : frame;
}

/**
 * Opens the session's event stream and resolves once its first frame (the reconnect hint) has arrived.
 * `onFrame` sees every frame, for workloads with thousands in flight where a waiter per frame would not do.
 */
export async function openEventStream(
  session: ApiSession,
  onFrame?: (frame: SseFrame) => void,
  options: { lastEventId?: string | null } = {},
): Promise<EventStream> {
  let lastEventId: string | null = options.lastEventId ?? null;
  const aborter = new AbortController();
  const waiters = new Set<Waiter>();
  const fail = (error: Error) => {
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    waiters.clear();
  };
  const waitFor = (match: (frame: SseFrame) => boolean, timeoutMs = 10_000) =>
    new Promise<SseFrame>((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`No matching event within ${timeoutMs} ms.`));
        }, timeoutMs),
      };
      waiters.add(waiter);
    });
  // Registered before the request goes out: the first frame is written as soon as the stream opens.
  const first = waitFor(() => true);
  // A stream that never opened must not leave that waiter to reject later with nobody listening (a
  // client reconnecting to a server that is down tries many times).
  const abandon = () => {
    for (const waiter of waiters) clearTimeout(waiter.timer);
    waiters.clear();
  };

  let response: Response;
  try {
    response = await fetch(`${session.origin}/api/events`, {
      headers: {
        Accept: 'text/event-stream',
        ...(session.cookie ? { Cookie: session.cookie } : {}),
        ...(lastEventId === null ? {} : { 'Last-Event-ID': lastEventId }),
      },
      signal: aborter.signal,
    });
  } catch (error) {
    abandon();
    throw error;
  }
  if (response.status !== 200 || !response.body) {
    abandon();
    aborter.abort();
    throw new Error(`GET /api/events answered ${response.status}.`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const ended = (async () => {
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (!frame) continue;
        if (frame.id !== null) lastEventId = frame.id;
        onFrame?.(frame);
        for (const waiter of waiters) {
          if (!waiter.match(frame)) continue;
          waiters.delete(waiter);
          clearTimeout(waiter.timer);
          waiter.resolve(frame);
        }
      }
    }
    fail(new Error('The event stream ended.'));
  })().catch((error: unknown) => {
    fail(error instanceof Error ? error : new Error(String(error)));
  });

  await first;
  return { waitFor, lastEventId: () => lastEventId, ended, close: () => aborter.abort() };
}
