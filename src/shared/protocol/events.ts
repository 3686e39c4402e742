import { z } from 'zod';
import { historyEventKeySchema, messageMarksSchema } from './history';
import { incomingMessageSchema, messageStatusUpdateSchema } from './messages';

// Everything the server pushes to a signed-in browser on `GET /api/events`. Each frame carries the event's
// sequence number as its SSE id, so a browser that reconnects with `Last-Event-ID` gets what it missed.
// Most events only name what changed and the browser fetches what it needs; a message carries its envelope,
// which only the recipient's browser can open.

export const serverEventSchema = z.discriminatedUnion('type', [
  /** The account's sharing identity changed (activated, community name claimed): refresh Settings. */
  z.object({ type: z.literal('identity.updated') }),
  /** Members, invites sent or the pinned-fingerprint blob changed: refresh People. */
  z.object({ type: z.literal('ring.updated') }),
  /** Someone invited this account (sent after the inviter's answer, never telling the inviter): refresh People. */
  z.object({ type: z.literal('invite.received') }),
  /** A message for this account; acknowledge it with POST /api/messages/:from/:id/ack once stored. */
  z.object({ type: z.literal('message'), message: incomingMessageSchema }),
  /** A message this account sent was delivered, or failed (e.g. not delivered within the hold). */
  z.object({ type: z.literal('message.status'), update: messageStatusUpdateSchema }),
  /** This account read, starred or unstarred a message in another browser. */
  z.object({ type: z.literal('message.marks'), update: messageMarksSchema }),
  /** This account opened these History events (invites, acceptances, key changes) in another browser. */
  z.object({ type: z.literal('history.read'), keys: z.array(historyEventKeySchema) }),
]);

export type ServerEvent = z.infer<typeof serverEventSchema>;
export type ServerEventType = ServerEvent['type'];
