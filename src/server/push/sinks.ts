import type { ServerResponse } from 'node:http';
import type { PushSink } from './push-streams';

/** Headers of an event stream: never cached, never buffered by a proxy (nginx honours X-Accel-Buffering). */
export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
} as const;

function closeNotifier() {
  const listeners: (() => void)[] = [];
  let closed = false;
  return {
    add: (listener: () => void) => {
      // A listener added after the close still runs, so nobody waits forever for a stream already gone.
      if (closed) listener();
      else listeners.push(listener);
    },
    fire: () => {
      if (closed) return;
      closed = true;
      for (const listener of listeners.splice(0)) listener();
    },
  };
}

/**
 * Writes straight to Node's response: no Web Streams in between, which keeps an idle connection to a few
 * kilobytes (TOOLCHAIN.md measured ~7 KB against ~32 KB for Hono's streamSSE).
 */
export function nodeResponseSink(outgoing: ServerResponse, headers: Record<string, string>): PushSink {
  const closed = closeNotifier();
  outgoing.writeHead(200, { ...headers, ...EVENT_STREAM_HEADERS });
  outgoing.flushHeaders();
  outgoing.on('close', closed.fire);
  return {
    write: (chunk) => (outgoing.writableEnded ? false : outgoing.write(chunk)),
    end: () => outgoing.end(),
    onClose: closed.add,
  };
}

/** The same stream as a Web ReadableStream, for runtimes without Node's response (in-process tests). */
export function webStreamSink(): { sink: PushSink; body: ReadableStream<Uint8Array> } {
  const closed = closeNotifier();
  const encoder = new TextEncoder();
  let ended = false;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      // The reader went away: the controller is closed now, and a write must not reach it.
      ended = true;
      closed.fire();
    },
  });
  return {
    body,
    sink: {
      write(chunk) {
        if (ended || !controller) return false;
        controller.enqueue(encoder.encode(chunk));
        return (controller.desiredSize ?? 0) > 0;
      },
      end() {
        if (ended) return;
        ended = true;
        controller?.close();
        closed.fire();
      },
      onClose: closed.add,
    },
  };
}
