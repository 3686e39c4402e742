import { Hono } from 'hono';
import {
  messageIdSchema,
  sendMessageRequestSchema,
  type PendingMessagesResponse,
  type SendMessageResponse,
} from '../../shared/protocol/messages';
import { nameSchema } from '../../shared/protocol/names';
import { requireAccount, type AppDeps, type AppEnv } from '../app-env';
import { findIdentity } from '../db/identities';
import { invalidRequest, nameRequired, notFound } from '../errors';
import { acceptMessage, acknowledge, pendingMessages, type MessagingDeps } from '../messaging';
import { rateLimit } from '../middleware/rate-limit';
import { jsonBody } from '../middleware/validate';

/**
 * Messages (DESIGN §1.5, §2, §5). A send is answered alike whoever it is addressed to: a recipient the
 * sender may not write to, an unknown name or a decoy is accepted and silently dropped. Message ids come
 * from the sender's browser, so they are unique per sender only: an acknowledgement names the sender too.
 */
export function messageRoutes(deps: AppDeps) {
  const { store, clock, config, bus, rateLimiter, keyring } = deps;
  const messaging: MessagingDeps = { db: store.db, bus, clock, config, keyring };

  return (
    new Hono<AppEnv>()
      // Signed in before anything else, so a signed-out request learns nothing from validation either.
      .use(async (c, next) => {
        requireAccount(c);
        await next();
      })
      .post(
        '/',
        rateLimit(rateLimiter, config.rateLimits.sendsPerAccount, (c) => `send:${requireAccount(c).id}`),
        jsonBody(sendMessageRequestSchema),
        async (c) => {
          const account = requireAccount(c);
          const { envelope } = c.req.valid('json');
          const identity = await findIdentity(store.db, account.id);
          const name = identity?.community_name ?? null;
          if (!identity || name === null) throw nameRequired('sending');
          // The recipient's browser checks the signature against the sender's published key; these checks
          // only keep an account from sending under another's name.
          if (envelope.from !== name) {
            throw invalidRequest('envelope.from: The sender must be your own community name.');
          }
          if (envelope.kid.from !== identity.fingerprint) {
            throw invalidRequest("envelope.kid.from: The sender's key must be your own key's fingerprint.");
          }
          const { acceptedAt } = await acceptMessage(messaging, { id: account.id, name }, envelope);
          return c.json(
            { message: { id: envelope.id, status: 'enqueued', acceptedAt } } satisfies SendMessageResponse,
            202,
          );
        },
      )
      .get('/pending', async (c) => {
        const account = requireAccount(c);
        const messages = await pendingMessages(messaging, account.id);
        return c.json({ messages } satisfies PendingMessagesResponse);
      })
      // Only the recipient may acknowledge; for anyone else, and for a message that is not there or no
      // longer held, one 404.
      .post('/:from/:id/ack', async (c) => {
        const account = requireAccount(c);
        const from = nameSchema.safeParse(c.req.param('from'));
        const id = messageIdSchema.safeParse(c.req.param('id'));
        if (!from.success || !id.success) throw notFound('message');
        const known = await acknowledge(messaging, {
          recipientId: account.id,
          senderName: from.data,
          id: id.data,
        });
        if (!known) throw notFound('message');
        return c.body(null, 204);
      })
  );
}
