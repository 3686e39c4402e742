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

export interface PushStreams {
  /**
   * Serves `userId`'s events on `sink`, with heartbeats, until the peer leaves or the server stops. With
   * `replay`, live events wait until its frames are written, so the browser sees no gap and no repeat.
   */
  open(userId: string, sink: PushSink, replay?: () => Promise<Replay>): void;
  /** Ends every stream with a short reconnect hint (shutdown); resolves once all have closed. */
  closeAll(): Promise<void>;
  count(): number;
}

/** How soon browsers retry after the server ends a stream: quickly, as another instance may take them. */
export const RECONNECT_HINT_MS = 1_000;

/** A named event with a token payload: the browser dispatches no event whose data is empty. */
export const KEEP_ALIVE_FRAME = sseFrame({ event: 'keep-alive', data: '1' });

export function createPushStreams(deps: {
  bus: EventBus;
  clock: Clock;
  keepAliveMs: number;
  log: Logger;
}): PushStreams {
  const open = new Map<PushSink, () => void>();
  let closing = false;

  return {
    open(userId, sink, replay) {
      if (closing) {
        sink.write(sseFrame({ retry: RECONNECT_HINT_MS }));
        sink.end();
        return;
      }
      sink.write(sseFrame({ retry: RECONNECT_HINT_MS }));
      // The highest number this browser has; live events at or below it were sent already.
      let last = 0;
      let alreadySent: (event: ServerEvent) => boolean = () => false;
      let held: [ServerEvent, number][] | null = replay ? [] : null;
      const send = (event: ServerEvent, seq: number) => {
        if (seq <= last || alreadySent(event)) return;
        last = seq;
        sink.write(sseFrame({ id: String(seq), event: event.type, data: JSON.stringify(event) }));
      };
      // Subscribed before the replay is read: whatever commits meanwhile is held here, not lost.
      const unsubscribe = deps.bus.subscribe(userId, (event, seq) => {
        if (held) held.push([event, seq]);
        else send(event, seq);
      });
      // The heartbeat keeps proxies from timing the connection out and tells the browser the server lives.
      // It is an event, not a comment, because the browser's outbox retries what waits when one arrives
      // (DESIGN §2), and EventSource never shows comments to the page. It has no id: nothing to resume.
      const stopHeartbeat = deps.clock.setInterval(() => sink.write(KEEP_ALIVE_FRAME), deps.keepAliveMs);
      let cleaned = false;
      const cleanup = () => {
        if (cleaned) return;
        cleaned = true;
        unsubscribe();
        stopHeartbeat();
        open.delete(sink);
      };
      open.set(sink, cleanup);
      sink.onClose(cleanup);
      if (!replay) return;
      replay().then(
        (first) => {
          if (cleaned) return;
          last = first.after;
          for (const { seq, event } of first.frames) {
            if (seq !== null && seq <= last) continue;
            if (seq !== null) last = seq;
            const id = seq === null ? {} : { id: String(seq) };
            sink.write(sseFrame({ ...id, event: event.type, data: JSON.stringify(event) }));
          }
          // An id-only frame moves the browser's Last-Event-ID past events that had nothing left to send.
          if (first.head > last) {
            last = first.head;
            sink.write(sseFrame({ id: String(last) }));
          }
          alreadySent = first.alreadySent ?? alreadySent;
          const waiting = held ?? [];
          held = null;
          for (const [event, seq] of waiting) send(event, seq);
        },
        (error: unknown) => {
          // A browser that has already gone needs nothing more, and its failed replay is no fault.
          if (cleaned) return;
          // The browser reconnects with the Last-Event-ID it has and is sent the rest then.
          deps.log.error({ err: error }, 'push stream replay failed');
          sink.write(sseFrame({ retry: RECONNECT_HINT_MS }));
          sink.end();
        },
      );
    },
    async closeAll() {
      closing = true;
      const sinks = [...open.keys()];
      await Promise.all(
        sinks.map(
          (sink) =>
            new Promise<void>((resolve) => {
              sink.onClose(resolve);
              sink.write(sseFrame({ retry: RECONNECT_HINT_MS }));
              sink.end();
            }),
        ),
      );
      deps.log.info({ streams: sinks.length }, 'push streams closed');
    },
    count: () => open.size,
  };
}
