import type { MiddlewareHandler } from 'hono';
import { nodeBindings, type AppEnv } from '../app-env';
import { declaresBody } from './request-guards';

/**
 * A response sent before the request body was read (413, 415, 403, 401, 429…) tells a keep-alive client
 * to open a new connection for its next request: the rest of this body may still be on its way and would
 * otherwise be read as the start of the next request, or cut off with a reset.
 */
export const closeAfterUnreadBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const { incoming } = nodeBindings(c);
  if (!incoming) return;
  if (declaresBody((name) => c.req.header(name)) && !incoming.readableEnded) {
    c.res.headers.set('Connection', 'close');
  }
};
