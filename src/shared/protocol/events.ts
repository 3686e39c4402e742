import { z } from 'zod';

// Everything the server pushes to a signed-in browser. Each event names what changed, never its content:
// the browser fetches (and decrypts) what it needs. Messaging adds message, status, invite and ring events.

export const serverEventSchema = z.discriminatedUnion('type', [
  /** The account's sharing identity changed (activated, community name claimed): refresh Settings. */
  z.object({ type: z.literal('identity.updated') }),
  /** Members, invites received or the pinned-fingerprint blob changed: refresh People. */
  z.object({ type: z.literal('ring.updated') }),
]);

export type ServerEvent = z.infer<typeof serverEventSchema>;
