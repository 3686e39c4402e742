import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { nodeBindings, type AppEnv } from '../app-env';
import { errorBody } from '../errors';
import { declaresBody } from './request-guards';

// Request bodies, read once and within a size limit. On Node the body is read straight off the socket's
// IncomingMessage: Hono's body limit wraps it in a new Request and two Web Streams for every request,
// which cost about a tenth of the server's CPU per message sent (bench/README.md). Handlers still read
// it through Hono (`c.req.json()`, the validator), which finds it in the request's body cache.

const tooLarge = (c: Context, maxSize: number) =>
  c.json(errorBody('payload_too_large', `The request body is larger than ${maxSize} bytes.`), 413);

/** The body, or null once it passes `maxSize` (the rest is left unread; the connection then closes). */
export function readBody(incoming: IncomingMessage, maxSize: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxSize) {
        cleanup();
        incoming.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    // Closed before its end: the client gave up mid-body, which the app logs as an abort, not our fault.
    const onClose = () => {
      cleanup();
      const error = new Error('The client went away before sending the whole body.');
      error.name = 'AbortError';
      reject(error);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** `readBody` for a Web Request (the app called in-process, as most API tests do): the same rules. */
export async function readWebBody(request: Request, maxSize: number): Promise<Buffer | null> {
  if (!request.body) return Buffer.alloc(0);
  const reader: ReadableStreamDefaultReader<Uint8Array> = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.length;
    if (size > maxSize) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
}

/**
 * Reads a state-changing request's body up to `maxSize(path)` bytes, answering 413 past it, before any
 * handler runs: a handler that never reads the body (signing out) must not act on a request that is then
 * refused for its size. In-process the body is read from the Web Request in the same way.
 */
export function requestBodies(maxSize: (path: string) => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // A GET carries no body we read, and asking for one makes @hono/node-server build a full Request with
    // an AbortController that a long-lived push stream then keeps: ~2 KB on each idle connection.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const limit = maxSize(c.req.path);
    const { incoming } = nodeBindings(c);
    if (incoming?.readableEnded) return next();
    const declared = Number(c.req.header('Content-Length'));
    if (Number.isFinite(declared) && declared > limit) return tooLarge(c, limit);
    let body: Buffer | null;
    if (incoming) {
      if (!declaresBody((name) => c.req.header(name))) return next();
      body = await readBody(incoming, limit);
    } else {
      body = await readWebBody(c.req.raw, limit);
    }
    if (body === null) return tooLarge(c, limit);
    // Hono keeps promises in its body cache, though its type names the methods that make them.
    Object.assign(c.req.bodyCache, { text: Promise.resolve(body.toString('utf8')) });
    return next();
  };
}
