import { Hono, type Context } from 'hono';
import type { StarResponse } from '../../shared/protocol/history';
import type { ServerEvent } from '../../shared/protocol/events';
import { rules } from '../../shared/rules';
import {
  messageIdSchema,
  sendMessageRequestSchema,
  type PendingMessagesResponse,
  type SendMessageResponse,
} from '../../shared/protocol/messages';
import { nameSchema } from '../../shared/protocol/names';
import { requireAccount, type AppDeps, type AppEnv } from '../app-env';
import { findIdentity } from '../db/identities';
import { contentGone, invalidRequest, nameRequired, notFound, starsFull } from '../errors';
import {
  countStars,
  findPartyMessage,
  markMessageRead,
  marksOf,
  starMessage,
  unstarMessage,
  type PartyMessage,
} from '../db/marks';
import { transact } from '../db/transaction';
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
      // Stars and read marks (DESIGN §1.6, §1.7): the caller's own, on a message it sent or received; for
      // any other, one 404. Each change is pushed to the caller's other browsers, never to the other party.
      .put('/:from/:id/star', async (c) => {
        const { account, message, from } = await markTarget(c);
        const outcome = await transact(store.db, deps, async (trx, events) => {
          const starred = await starMessage(trx, account.id, message, clock.now(), rules.maxStars);
          if (starred === 'starred') {
            if (message.sealed === '') throw contentGone();
            events.emit(account.id, marksEvent(from, message, await marksOf(trx, account.id, message)));
          }
          return starred;
        });
        if (outcome === 'full') throw starsFull(rules.maxStars);
        const stars = { count: await countStars(store.db, account.id), max: rules.maxStars };
        return c.json({ starred: true, stars } satisfies StarResponse);
      })
      .delete('/:from/:id/star', async (c) => {
        const { account, message, from } = await markTarget(c);
        await transact(store.db, deps, async (trx, events) => {
          if (await unstarMessage(trx, account.id, message)) {
            events.emit(account.id, marksEvent(from, message, await marksOf(trx, account.id, message)));
          }
        });
        return c.body(null, 204);
      })
      .post('/:from/:id/read', async (c) => {
        const { account, message, from } = await markTarget(c);
        await transact(store.db, deps, async (trx, events) => {
          if (await markMessageRead(trx, account.id, message, clock.now())) {
            events.emit(account.id, marksEvent(from, message, await marksOf(trx, account.id, message)));
          }
        });
        return c.body(null, 204);
      })
  );

  /** The message a mark is about, if the caller sent or received it; otherwise the one 404. */
  async function markTarget(c: Context<AppEnv>) {
    const account = requireAccount(c);
    const from = nameSchema.safeParse(c.req.param('from'));
    const id = messageIdSchema.safeParse(c.req.param('id'));
    if (!from.success || !id.success) throw notFound('message');
    const message = await findPartyMessage(store.db, account.id, { senderName: from.data, id: id.data });
    if (!message) throw notFound('message');
    return { account, message, from: from.data };
  }
}

function marksEvent(
  from: string,
  message: PartyMessage,
  marks: { read: boolean; starred: boolean },
): ServerEvent {
  return { type: 'message.marks', update: { from, id: message.id, ...marks } };
}
