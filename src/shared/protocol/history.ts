import { z } from 'zod';
import { envelopeV1Schema, messageIdSchema, messageStatusSchema } from './messages';

// History (DESIGN §1.6, §1.7): an account's messages of the window as the server keeps them, with the
// account's own read marks and stars, so a second browser of the account shows the same History.

/** An account's own marks on one message, as pushed to its other browsers (`message.marks`). */
export const messageMarksSchema = z.object({
  /** The sender's community name and the envelope id: together they name a message. */
  from: z.string(),
  id: messageIdSchema,
  read: z.boolean(),
  starred: z.boolean(),
});

export type MessageMarks = z.infer<typeof messageMarksSchema>;

export const historyMessageSchema = messageMarksSchema.extend({
  /** The recipient's name as the envelope gives it. */
  to: z.string(),
  direction: z.enum(['sent', 'received']),
  acceptedAt: z.number().int(),
  status: messageStatusSchema,
  statusAt: z.number().int(),
  reason: z.string().nullable(),
  /** Null once the content is destroyed: the row reads "Message sent" / "Message received". */
  envelope: envelopeV1Schema.nullable(),
  /** When the content will be destroyed; null when starred or already gone. */
  contentExpiresAt: z.number().int().nullable(),
});

export type HistoryMessage = z.infer<typeof historyMessageSchema>;

export const starsSchema = z.object({ count: z.number().int(), max: z.number().int() });

/** `GET /api/history?cursor=&limit=`: newest first, a page at a time. */
export const historyResponseSchema = z.object({
  messages: z.array(historyMessageSchema),
  nextCursor: z.string().nullable(),
  stars: starsSchema,
});

export type HistoryResponse = z.infer<typeof historyResponseSchema>;

export const historyQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,400}$/, 'expected a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/** `PUT /api/messages/:from/:id/star`. */
export const starResponseSchema = z.object({ starred: z.literal(true), stars: starsSchema });

export type StarResponse = z.infer<typeof starResponseSchema>;

/**
 * A History event that is not a message, as the browser names it: `i:` an invite received, `j:` an
 * acceptance, `k:` a key change, then what identifies it there.
 */
export const historyEventKeySchema = z
  .string()
  .regex(/^[ijk]:[A-Za-z0-9._:-]{1,300}$/, 'expected a History event key');

/** `POST /api/history/reads`: these events were opened. */
export const historyReadsRequestSchema = z.strictObject({
  keys: z.array(historyEventKeySchema).min(1).max(100),
});

/** `GET /api/history/reads`: the events of the window this account has opened. */
export const historyReadsResponseSchema = z.object({ keys: z.array(historyEventKeySchema) });

export type HistoryReadsResponse = z.infer<typeof historyReadsResponseSchema>;
