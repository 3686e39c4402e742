import { Agent, get, type ClientRequest } from 'node:http';

// Many idle event-stream connections from one client process, with raw node:http (far less memory and
// CPU per socket than fetch), each held open after its first frame. Failures are counted by error code
// rather than thrown: running out of file descriptors (EMFILE) is a figure, not a crash.

export interface IdleStreams {
  /** Fewer than asked for when EMFILE stopped the opening early. */
  attempted: number;
  opened: number;
  /** Error code (or "HTTP <status>", "timeout") → how many connections failed with it. */
  failures: Record<string, number>;
  /** Destroys every socket and the agent. */
  close(): void;
}

/** Opened in waves, so the server's accept backlog never overflows into SYN retries that skew the wait. */
const WAVE = 250;

export async function openIdleStreams(options: {
  port: number;
  path: string;
  count: number;
  headers?: Record<string, string>;
  firstFrameTimeoutMs?: number;
}): Promise<IdleStreams> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const open: ClientRequest[] = [];
  const failures: Record<string, number> = {};
  const fail = (reason: string) => {
    failures[reason] = (failures[reason] ?? 0) + 1;
  };
  const timeoutMs = options.firstFrameTimeoutMs ?? 30_000;

  const openOne = () =>
    new Promise<void>((resolve) => {
      let settled = false;
      const settle = (reason: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (reason === null) open.push(request);
        else {
          fail(reason);
          request.destroy();
        }
        resolve();
      };
      const request = get(
        {
          host: '127.0.0.1',
          port: options.port,
          path: options.path,
          agent,
          headers: { Accept: 'text/event-stream', ...options.headers },
        },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            settle(`HTTP ${response.statusCode}`);
            return;
          }
          let seen = '';
          const onData = (chunk: Buffer) => {
            seen += chunk.toString('latin1');
            if (!seen.includes('\n\n')) return;
            // Still flowing, with nothing kept: later heartbeats are read and dropped.
            response.off('data', onData);
            response.resume();
            settle(null);
          };
          response.on('data', onData);
        },
      );
      // Also catches the reset each socket gets when the bench closes it, after it has settled.
      request.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
      const timer = setTimeout(() => settle('timeout'), timeoutMs);
    });

  let attempted = 0;
  while (attempted < options.count) {
    const wave = Math.min(WAVE, options.count - attempted);
    attempted += wave;
    await Promise.all(Array.from({ length: wave }, openOne));
    // Past the descriptor limit every further attempt fails the same way; there is nothing more to learn.
    if (failures.EMFILE) break;
  }

  return {
    attempted,
    opened: open.length,
    failures,
    close() {
      for (const request of open) request.destroy();
      agent.destroy();
    },
  };
}
