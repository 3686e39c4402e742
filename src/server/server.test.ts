import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../shared/protocol/errors';
import { manualClock } from './clock';
import { defaultConfig } from './config';
import { openStore } from './db/open-store';
import { memoryLogger } from './log';
import { startServer, type RunningServer } from './server';
import { signUpBody } from './testing/test-app';

// The real server on a real socket: what only shows over HTTP/1.1 itself (keep-alive, aborted uploads,
// responses written straight to Node's socket, and shutdown with connections open).

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  port: number,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    agent?: http.Agent;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: options.agent,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const json = (body: unknown) => ({
  headers: { 'Content-Type': 'application/json', 'X-Ringpost-Request': '1' },
  body: JSON.stringify(body),
});

async function signUp(port: number): Promise<string> {
  const created = await request(port, {
    method: 'POST',
    path: '/api/accounts',
    ...json(signUpBody(`srv-${process.pid}-${Date.now()}`)),
  });
  expect(created.status).toBe(201);
  return String(created.headers['set-cookie']?.[0]?.split(';')[0]);
}

describe('the server on a socket', () => {
  let dataDir: string;
  let server: RunningServer;
  const { log, lines } = memoryLogger();
  const clock = manualClock(Date.now());

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ringpost-server-'));
    server = await startServer(
      defaultConfig({
        port: 0,
        host: '127.0.0.1',
        dataDir,
        staticDir: null,
        keepAliveMs: 25_000,
        log: true,
        // This server's clock stands still until the test moves it, so an answer floor would never end.
        answerFloorMs: { accountName: 0, communityName: 0 },
        sessionTtlMs: 60 * 60_000,
        sweepIntervalMs: 10 * 60_000,
      }),
      { log, clock },
    );
  });
  afterAll(async () => {
    await server.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes the connection after answering before the body was read, so keep-alive clients carry on', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    const cases: [string, Record<string, string>, number][] = [
      [
        '2 MB over the limit',
        {
          'Content-Type': 'application/json',
          'X-Ringpost-Request': '1',
          'Content-Length': String(big.length),
        },
        413,
      ],
      [
        '2 MB chunked',
        { 'Content-Type': 'application/json', 'X-Ringpost-Request': '1', 'Transfer-Encoding': 'chunked' },
        413,
      ],
      ['a form', { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Ringpost-Request': '1' }, 415],
      ['no CSRF header', { 'Content-Type': 'application/json' }, 403],
    ];
    for (const [label, headers, status] of cases) {
      const body = status === 413 ? big : Buffer.from('x'.repeat(30_000));
      const refused = await request(server.port, {
        method: 'POST',
        path: '/api/session',
        headers,
        body,
        agent,
      });
      expect(refused.status, label).toBe(status);
      expect(refused.headers.connection, label).toBe('close');
      expect(errorBodySchema.safeParse(JSON.parse(refused.body)).success, label).toBe(true);
      // The next request on the same agent must not meet a reset socket.
      expect((await request(server.port, { path: '/api/health', agent })).status, label).toBe(200);
    }
    // A request whose body was read keeps its connection.
    const read = await request(server.port, {
      method: 'POST',
      path: '/api/session/kdf',
      ...json({ name: 'someone' }),
      agent,
    });
    expect(read.status).toBe(200);
    expect(read.headers.connection).toBe('keep-alive');
    agent.destroy();
  });

  it('logs a client that gives up mid-body as an abort, not as our error', async () => {
    const head =
      'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Ringpost-Request: 1\r\n';
    for (const start of [
      `${head}Content-Length: 5000\r\n\r\n{"name":"half`,
      `${head}Transfer-Encoding: chunked\r\n\r\n9\r\n{"name":"\r\n`,
    ]) {
      const before = lines.length;
      await new Promise<void>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(start);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 100);
        });
        socket.on('error', reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const logged = lines.slice(before);
      expect(logged.filter((line) => line.level === 'error')).toEqual([]);
      expect(logged.filter((line) => line.msg === 'client aborted the request')).toHaveLength(1);
    }
  });

  it('logs one JSON line per request with the path still percent-encoded', async () => {
    const before = lines.length;
    await request(server.port, { path: '/api/no%0Aforged%20line?secret=x' });
    const logged = lines.slice(before).filter((line) => line.msg === 'request');
    expect(logged).toEqual([
      expect.objectContaining({ method: 'GET', path: '/api/no%0Aforged%20line', status: 404 }),
    ]);
    expect(JSON.stringify(logged)).not.toContain('secret');
  });

  it('streams events on Node’s own response, with a heartbeat from the clock', async () => {
    const cookie = await signUp(server.port);
    const received: string[] = [];
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: server.port, path: '/api/events', headers: { Cookie: cookie } },
          resolve,
        )
        .on('error', reject);
    });
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['x-content-type-options']).toBe('nosniff');
    expect(stream.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    // A stream is never rendered, and Node holds each open response's header block: no document headers.
    expect(stream.headers['content-security-policy']).toBeUndefined();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => received.push(chunk));
    await clock.untilTimers();
    await clock.advance(25_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.join('')).toBe('retry: 1000\n\nevent: keep-alive\ndata: 1\n\n');
    stream.destroy();
  });
  it('ends a browser’s open streams when it signs out, and refuses its retry', async () => {
    const laptop = await signUp(server.port);
    const open = (cookie: string) =>
      new Promise<{ ended: Promise<void> }>((resolve, reject) => {
        http
          .get(
            { host: '127.0.0.1', port: server.port, path: '/api/events', headers: { Cookie: cookie } },
            (response) => {
              response.resume();
              resolve({ ended: new Promise((done) => response.on('end', done)) });
            },
          )
          .on('error', reject);
      });
    const first = await open(laptop);
    const second = await open(laptop);
    let firstEnded = false;
    void first.ended.then(() => (firstEnded = true));
    const signedOut = await request(server.port, {
      method: 'DELETE',
      path: '/api/session',
      headers: { Cookie: laptop, 'X-Ringpost-Request': '1' },
    });
    expect(signedOut.status).toBe(204);
    await Promise.all([first.ended, second.ended]);
    expect(firstEnded).toBe(true);
    // The session is gone, so the browser's retry is refused rather than served.
    const retry = await request(server.port, { path: '/api/events', headers: { Cookie: laptop } });
    expect(retry.status).toBe(401);
  });
});

describe('the background sweep', () => {
  it('removes expired sessions on its interval, not on sign-in', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-sweep-'));
    const clock = manualClock(Date.now());
    const { log } = memoryLogger();
    const config = defaultConfig({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      staticDir: null,
      answerFloorMs: { accountName: 0, communityName: 0 },
      sessionTtlMs: 60 * 60_000,
      // Longer than the TTL, so the TTL is what ends these sessions (the idle limit has its own tests).
      sessionIdleMs: 2 * 60 * 60_000,
      sweepIntervalMs: 10 * 60_000,
    });
    const server = await startServer(config, { log, clock });
    const peek = await openStore({ dataDir });
    const sessions = async () => (await peek.db.selectFrom('sessions').select('token_hash').execute()).length;
    try {
      await signUp(server.port);
      await signUp(server.port);
      expect(await sessions()).toBe(2);
      // Five sweeps while the sessions are alive leave them; the first sweep after they expire removes them.
      await clock.advance(55 * 60_000);
      expect(await sessions()).toBe(2);
      await clock.advance(10 * 60_000);
      await waitUntil(async () => (await sessions()) === 0);
    } finally {
      await peek.close();
      await server.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const giveUp = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > giveUp) throw new Error('The condition never held.');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('shutting the server down', () => {
  it('ends push streams with a reconnect hint, finishes the write under way, then closes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-shutdown-'));
    const { log } = memoryLogger();
    const server = await startServer(
      defaultConfig({ port: 0, host: '127.0.0.1', dataDir, staticDir: null }),
      { log },
    );
    const cookie = await signUp(server.port);

    let streamed = '';
    const streamEnded = new Promise<void>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: server.port, path: '/api/events', headers: { Cookie: cookie } },
          (response) => {
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (streamed += chunk));
            response.on('end', resolve);
          },
        )
        .on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));

    // A sign-up whose body is still arriving when the shutdown starts.
    const body = JSON.stringify(signUpBody(`late-${process.pid}-${Date.now()}`));
    let answered: (reply: Reply) => void = () => undefined;
    const answer = new Promise<Reply>((resolve) => (answered = resolve));
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/api/accounts',
        headers: {
          'Content-Type': 'application/json',
          'X-Ringpost-Request': '1',
          'Content-Length': String(body.length),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          answered({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
      },
    );
    outgoing.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = performance.now();
    const stopping = server.shutdown();
    await streamEnded;
    expect(streamed.endsWith('retry: 1000\n\n')).toBe(true);
    outgoing.end(body.slice(10));
    await stopping;
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(await answer).toMatchObject({ status: 201, headers: { connection: 'close' } });

    // The write that was under way is in the database.
    const again = await startServer(defaultConfig({ port: 0, host: '127.0.0.1', dataDir, staticDir: null }), {
      log,
    });
    const name = (JSON.parse(body) as { name: string }).name;
    const taken = await request(again.port, {
      method: 'POST',
      path: '/api/accounts',
      ...json(signUpBody(name)),
    });
    expect(taken.status).toBe(409);
    await again.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
