import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { EventBus } from './event-bus';
import { sseComment, sseFrame } from './sse';

/** Where one connection's bytes go: Node's own response in production, a Web stream elsewhere. */
export interface PushSink {
  /** False when the peer is not keeping up; the frame is still queued. */
  write(chunk: string): boolean;
  end(): void;
  onClose(listener: () => void): void;
}

export interface PushStreams {
  /** Serves `userId`'s events on `sink`, with heartbeats, until the peer leaves or the server stops. */
  open(userId: string, sink: PushSink): void;
  /** Ends every stream with a short reconnect hint (shutdown); resolves once all have closed. */
  closeAll(): Promise<void>;
  count(): number;
}

/** How soon browsers retry after the server ends a stream: quickly, as another instance may take them. */
export const RECONNECT_HINT_MS = 1_000;

export function createPushStreams(deps: {
  bus: EventBus;
  clock: Clock;
  keepAliveMs: number;
  log: Logger;
}): PushStreams {
  const open = new Map<PushSink, () => void>();
  let closing = false;

  return {
    open(userId, sink) {
      if (closing) {
        sink.write(sseFrame({ retry: RECONNECT_HINT_MS }));
        sink.end();
        return;
      }
      sink.write(sseFrame({ retry: RECONNECT_HINT_MS }));
      const unsubscribe = deps.bus.subscribe(userId, (event) => {
        sink.write(sseFrame({ event: event.type, data: JSON.stringify(event) }));
      });
      // The heartbeat keeps proxies from timing the connection out and tells the browser the server lives.
      const stopHeartbeat = deps.clock.setInterval(
        () => sink.write(sseComment('keep-alive')),
        deps.keepAliveMs,
      );
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
