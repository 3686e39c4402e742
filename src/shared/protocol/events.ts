import { z } from 'zod';

// Everything the server pushes to a signed-in browser. Each event names what changed, never its content:
// the browser fetches (and decrypts) what it needs. Messaging adds message, status, invite and ring events.

export const serverEventSchema = z.discriminatedUnion('type', [
  /** The account's sharing identity changed (activated, community name claimed): refresh Settings. */
  z.object({ type: z.literal('identity.updated') }),
]);

export type ServerEvent = z.infer<typeof serverEventSchema>;
