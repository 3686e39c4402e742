import type { ServerEvent } from '../../shared/protocol/events';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { EventBus } from './event-bus';
import { sseFrame } from './sse';

/** Where one connection's bytes go: Node's own response in production, a Web stream elsewhere. */
export interface PushSink {
  /** False when the peer is not keeping up; the frame is still queued. */
  write(chunk: string): boolean;
  end(): void;
  onClose(listener: () => void): void;
}

/** One frame of what a stream sends before its live events; `seq` null sends it without an SSE id. */
export interface ReplayFrame {
  seq: number | null;
  event: ServerEvent;
}

/**
 * What a stream sends first: read after the stream has subscribed, so an event committed meanwhile is
 * either in `frames` or arrives live, and live events numbered `head` or lower are dropped as already
 * covered. `after` is the number the browser already has (its Last-Event-ID), 0 for none.
 */
export interface Replay {
  after: number;
  frames: ReplayFrame[];
  head: number;
  /** A live event the frames already carried under no number (a pending message): dropped. */
  alreadySent?: (event: ServerEvent) => boolean;
}

/** Whose stream it is: the account it serves and the session that opened it, which it must not outlive. */
export interface StreamOwner {
  userId: string;
  /** The session's key (the hash of its token): signing out ends that session's streams. */
  sessionKey: string;
  /**
   * When the session lapses unless it is used meanwhile (ms since the epoch). At the first heartbeat after
   * it, the stream asks again (`renew`): a session used by the browser's other requests lives on, and
   * the stream with it; one that is gone ends the stream.
   */
  expiresAt: number;
}

export interface PushStreams {
  /**
   * Serves the owner's events on `sink`, with heartbeats, until the peer leaves, the session ends or the
   * server stops. With `replay`, live events wait until its frames are written, so the browser sees no gap
   * and no repeat.
   */
  open(owner: StreamOwner, sink: PushSink, replay?: () => Promise<Replay>): void;
  /**
   * Ends the streams a session opened (signing out), here and on every other instance. No reconnect
   * hint: the browser's retry meets a 401 and stops. Returns how many were ended here.
   */
  endSession(sessionKey: string): number;
  /** Ends every stream with a short reconnect hint (shutdown); resolves once all have closed. */
  closeAll(): Promise<void>;
  count(): number;
}

/** How soon browsers retry after the server ends a stream: quickly, as another instance may take them. */
export const RECONNECT_HINT_MS = 1_000;

/** A named event with a token payload: the browser dispatches no event whose data is empty. */
export const KEEP_ALIVE_FRAME = sseFrame({ event: 'keep-alive', data: '1' });

const RECONNECT_HINT_FRAME = sseFrame({ retry: RECONNECT_HINT_MS });

function eventFrame(event: ServerEvent, seq: number | null): string {
  const data = JSON.stringify(event);
  return seq === null
    ? sseFrame({ event: event.type, data })
    : sseFrame({ id: String(seq), event: event.type, data });
}

/**
 * One open stream. A class rather than a handful of closures: ten thousand idle streams each hold only
 * their fields, and share the methods (DESIGN §3 budgets 10 KB a connection, most of it Node's own).
 */
class PushStream {
  /** The highest event number this browser has; live events at or below it were sent already. */
  last = 0;
  /** Live events that arrive while the replay is read; null once it has been written. */
  held: [ServerEvent, number][] | null;
  /** A live event the replay already carried under no number (a pending message): dropped. */
  alreadySent: ((event: ServerEvent) => boolean) | null = null;
  unsubscribe: () => void = () => undefined;
  closed = false;
  /** Asking whether the session still lives: one question at a time. */
  renewing = false;

  constructor(
    readonly owner: StreamOwner,
    readonly sink: PushSink,
    replaying: boolean,
  ) {
    this.held = replaying ? [] : null;
  }

  /** Null while the replay is read: a catch-up then has nothing to add that the replay will not send. */
  lastSeq(): number | null {
    return this.held ? null : this.last;
  }

  receive(event: ServerEvent, seq: number): void {
    if (this.held) this.held.push([event, seq]);
    else this.send(event, seq);
  }

  send(event: ServerEvent, seq: number): void {
    if (seq <= this.last || this.alreadySent?.(event)) return;
    this.last = seq;
    this.sink.write(eventFrame(event, seq));
  }

  writeReplay(first: Replay): void {
    this.last = first.after;
    for (const { seq, event } of first.frames) {
      if (seq !== null && seq <= this.last) continue;
      if (seq !== null) this.last = seq;
      this.sink.write(eventFrame(event, seq));
    }
    // An id-only frame moves the browser's Last-Event-ID past events that had nothing left to send.
    if (first.head > this.last) {
      this.last = first.head;
      this.sink.write(sseFrame({ id: String(this.last) }));
    }
    this.alreadySent = first.alreadySent ?? null;
    const waiting = this.held ?? [];
    this.held = null;
    for (const [event, seq] of waiting) this.send(event, seq);
  }
}

export function createPushStreams(deps: {
  bus: EventBus;
  clock: Clock;
  keepAliveMs: number;
  log: Logger;
  /** The session's deadline now, or null when it has lapsed or ended; without it a deadline is final. */
  renew?: (sessionKey: string) => Promise<number | null>;
}): PushStreams {
  const open = new Set<PushStream>();
  let closing = false;
  let stopHeartbeat: (() => void) | null = null;

  const forget = (stream: PushStream) => {
    if (stream.closed) return;
    stream.closed = true;
    stream.unsubscribe();
    open.delete(stream);
    if (open.size === 0 && stopHeartbeat) {
      stopHeartbeat();
      stopHeartbeat = null;
    }
  };

  // One timer for every stream, not one each. The heartbeat keeps proxies from timing connections out and
  // tells browsers the server lives; it is an event, not a comment, because the browser's outbox retries
  // what waits when one arrives (DESIGN §2), and EventSource never shows comments to the page. It has no
  // id: nothing to resume. The same pass ends streams whose session has lapsed.
  const beat = () => {
    const now = deps.clock.now();
    for (const stream of [...open]) {
      if (stream.owner.expiresAt > now) stream.sink.write(KEEP_ALIVE_FRAME);
      else if (!deps.renew) stream.sink.end();
      else if (!stream.renewing) renew(stream, deps.renew);
    }
  };

  function renew(stream: PushStream, ask: (sessionKey: string) => Promise<number | null>): void {
    stream.renewing = true;
    ask(stream.owner.sessionKey).then(
      (deadline) => {
        stream.renewing = false;
        if (stream.closed) return;
        if (deadline === null) stream.sink.end();
        else {
          stream.owner.expiresAt = deadline;
          stream.sink.write(KEEP_ALIVE_FRAME);
        }
      },
      (error: unknown) => {
        // Unknown is not lapsed: the next heartbeat asks again.
        stream.renewing = false;
        deps.log.warn({ err: error }, 'could not check a push stream’s session');
      },
    );
  }

  function endLocal(sessionKey: string): number {
    let ended = 0;
    for (const stream of [...open]) {
      if (stream.owner.sessionKey !== sessionKey) continue;
      forget(stream);
      stream.sink.end();
      ended += 1;
    }
    return ended;
  }
  deps.bus.onSessionEnded(endLocal);

  return {
    open(owner, sink, replay) {
      sink.write(RECONNECT_HINT_FRAME);
      if (closing) {
        sink.end();
        return;
      }
      const stream = new PushStream(owner, sink, replay !== undefined);
      // Subscribed before the replay is read: whatever commits meanwhile is held, not lost.
      stream.unsubscribe = deps.bus.subscribe(
        owner.userId,
        (event, seq) => stream.receive(event, seq),
        () => stream.lastSeq(),
      );
      open.add(stream);
      stopHeartbeat ??= deps.clock.setInterval(beat, deps.keepAliveMs);
      sink.onClose(() => forget(stream));
      if (!replay) return;
      replay().then(
        (first) => {
          if (!stream.closed) stream.writeReplay(first);
        },
        (error: unknown) => {
          // A browser that has already gone needs nothing more, and its failed replay is no fault.
          if (stream.closed) return;
          // The browser reconnects with the Last-Event-ID it has and is sent the rest then.
          deps.log.error({ err: error }, 'push stream replay failed');
          sink.write(RECONNECT_HINT_FRAME);
          sink.end();
        },
      );
    },
    endSession(sessionKey) {
      const ended = endLocal(sessionKey);
      // The session may have streams on other instances too.
      deps.bus.endSession(sessionKey).catch((error: unknown) => {
        deps.log.error({ err: error }, 'could not tell the other instances a session ended');
      });
      return ended;
    },
    async closeAll() {
      closing = true;
      const streams = [...open];
      await Promise.all(
        streams.map(
          (stream) =>
            new Promise<void>((resolve) => {
              stream.sink.onClose(resolve);
              stream.sink.write(RECONNECT_HINT_FRAME);
              stream.sink.end();
            }),
        ),
      );
      deps.log.info({ streams: streams.length }, 'push streams closed');
    },
    count: () => open.size,
  };
}
