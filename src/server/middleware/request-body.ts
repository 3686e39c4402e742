import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
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

/**
 * Reads a state-changing request's body up to `maxSize(path)` bytes, answering 413 past it. Without Node's
 * bindings (the app called in-process, as most API tests do) Hono's own body limit does the same.
 */
export function requestBodies(maxSize: (path: string) => number): MiddlewareHandler<AppEnv> {
  const fallbacks = new Map<number, MiddlewareHandler>();
  const fallback = (size: number) => {
    let middleware = fallbacks.get(size);
    if (!middleware) {
      middleware = bodyLimit({ maxSize: size, onError: (c) => tooLarge(c, size) });
      fallbacks.set(size, middleware);
    }
    return middleware;
  };
  return async (c, next) => {
    // A GET carries no body we read, and asking for one makes @hono/node-server build a full Request with
    // an AbortController that a long-lived push stream then keeps: ~2 KB on each idle connection.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const limit = maxSize(c.req.path);
    const { incoming } = nodeBindings(c);
    if (!incoming) return fallback(limit)(c, next);
    if (!declaresBody((name) => c.req.header(name)) || incoming.readableEnded) return next();
    const declared = Number(c.req.header('Content-Length'));
    if (Number.isFinite(declared) && declared > limit) return tooLarge(c, limit);
    const body = await readBody(incoming, limit);
    if (body === null) return tooLarge(c, limit);
    // Hono keeps promises in its body cache, though its type names the methods that make them.
    Object.assign(c.req.bodyCache, { text: Promise.resolve(body.toString('utf8')) });
    return next();
  };
}
