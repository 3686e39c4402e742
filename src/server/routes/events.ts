import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { nodeBindings, requireAccount, type AppDeps, type AppEnv } from '../app-env';
import { securityHeaderValues } from '../middleware/security-headers';
import { EVENT_STREAM_HEADERS, nodeResponseSink, webStreamSink } from '../push/sinks';

/**
 * The push channel (DESIGN §3): Server-Sent Events for the signed-in user, with a heartbeat. Under Node
 * the stream is written straight to the socket's response; in-process it is a Web stream.
 */
export function eventRoutes(deps: AppDeps) {
  const headers = { ...securityHeaderValues({ hsts: deps.config.secureCookies }), ...EVENT_STREAM_HEADERS };
  return new Hono<AppEnv>().get('/', (c) => {
    const account = requireAccount(c);
    const { outgoing } = nodeBindings(c);
    if (outgoing) {
      deps.streams.open(account.id, nodeResponseSink(outgoing, headers));
      return RESPONSE_ALREADY_SENT;
    }
    const { sink, body } = webStreamSink();
    deps.streams.open(account.id, sink);
    return c.body(body, 200, headers);
  });
}
