import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { nodeBindings, requireAccount, requireSession, type AppDeps, type AppEnv } from '../app-env';
import { streamReplay } from '../messaging';
import { streamSecurityHeaderValues } from '../middleware/security-headers';
import { EVENT_STREAM_HEADERS, nodeResponseSink, webStreamSink } from '../push/sinks';

/**
 * The browser's Last-Event-ID: the header EventSource sends on a reconnect, or `?lastEventId=` for a
 * stream opened anew (a page reload) that wants to resume. Anything that is not a number starts afresh.
 */
function lastEventIdOf(c: Context<AppEnv>): number | null {
  const raw = c.req.header('Last-Event-ID') ?? c.req.query('lastEventId');
  if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/**
 * The push channel (DESIGN §3): Server-Sent Events for the signed-in user, with a heartbeat and ids to
 * resume from. Under Node the stream is written straight to the socket's response; in-process it is a Web
 * stream.
 */
export function eventRoutes(deps: AppDeps) {
  // One object for every stream: Node writes it into each response's header block.
  const headers = {
    ...streamSecurityHeaderValues({ hsts: deps.config.secureCookies }),
    ...EVENT_STREAM_HEADERS,
  };
  const messaging = {
    db: deps.store.db,
    bus: deps.bus,
    clock: deps.clock,
    config: deps.config,
    keyring: deps.keyring,
  };
  return new Hono<AppEnv>().get('/', (c) => {
    const account = requireAccount(c);
    const { key, expiresAt } = requireSession(c);
    const owner = { userId: account.id, sessionKey: key, expiresAt };
    const lastEventId = lastEventIdOf(c);
    const replay = () => streamReplay(messaging, account.id, lastEventId);
    const { outgoing } = nodeBindings(c);
    if (outgoing) {
      deps.streams.open(owner, nodeResponseSink(outgoing, headers), replay);
      return RESPONSE_ALREADY_SENT;
    }
    const { sink, body } = webStreamSink();
    deps.streams.open(owner, sink, replay);
    return c.body(body, 200, headers);
  });
}
