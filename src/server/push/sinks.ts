import type { ServerResponse } from 'node:http';
import type { PushSink } from './push-streams';

/** Headers of an event stream: never cached, never buffered by a proxy (nginx honours X-Accel-Buffering). */
export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
} as const;

/** Runs its listeners once, when the stream closes; a listener added after that runs at once. */
class CloseListeners {
  // Made with its first listener rather than grown from []: an array grown by push reserves room for 17,
  // and this one nearly always holds one, on every idle connection.
  private listeners: (() => void)[] | undefined;
  private closed = false;

  add(listener: () => void): void {
    // Run now rather than never, so nobody waits forever for a stream already gone.
    if (this.closed) listener();
    else if (this.listeners) this.listeners.push(listener);
    else this.listeners = [listener];
  }

  fire(): void {
    if (this.closed) return;
    this.closed = true;
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) listener();
  }
}

/**
 * Writes straight to Node's response: no Web Streams in between, and a class so an idle connection holds
 * fields rather than closures (bench/push-memory.ts measures it beside a framework-free floor).
 */
class NodeResponseSink extends CloseListeners implements PushSink {
  constructor(private readonly outgoing: ServerResponse) {
    super();
    outgoing.on('close', () => this.fire());
  }

  write(chunk: string): boolean {
    return this.outgoing.writableEnded ? false : this.outgoing.write(chunk);
  }

  end(): void {
    this.outgoing.end();
  }

  onClose(listener: () => void): void {
    this.add(listener);
  }
}

/** `headers` should be one object shared by every stream: Node keeps each response's header block. */
export function nodeResponseSink(
  outgoing: ServerResponse,
  headers: Readonly<Record<string, string>>,
): PushSink {
  outgoing.writeHead(200, headers);
  outgoing.flushHeaders();
  return new NodeResponseSink(outgoing);
}

/** The same stream as a Web ReadableStream, for runtimes without Node's response (in-process tests). */
export function webStreamSink(): { sink: PushSink; body: ReadableStream<Uint8Array> } {
  const closed = new CloseListeners();
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
      onClose: (listener) => closed.add(listener),
    },
  };
}
