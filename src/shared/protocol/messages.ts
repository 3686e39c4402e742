import { z } from 'zod';
import { nameProblem } from '../name-rules';
import { fingerprintSchema } from './identity';

// Secure messages on the wire (DESIGN §2–§4). The server sees only envelopes it cannot open: it checks
// their shape and size, who may send to whom, and stores and forwards them. The bytes inside are
// specified in docs/envelope-v1.md and made by shared/crypto/envelope-v1.ts.

const base64url = (what: string, minChars: number, maxChars: number) =>
  z
    .string()
    .min(minChars, `${what} is too short.`)
    .max(maxChars, `${what} is too long.`)
    .regex(/^[A-Za-z0-9_-]+$/, `${what} must be base64url.`);

/** A community name as it appears inside an envelope: already normalized, never re-normalized. */
export const envelopeNameSchema = z
  .string()
  .max(64)
  .refine((name) => nameProblem(name) === null, 'Not a normalized community name.');

/** 16 random bytes made by the sender's browser: the message's id everywhere, and the idempotency key. */
export const messageIdSchema = base64url('The message id', 22, 22);

/** RSA-OAEP output and RSA-PSS signatures are as long as the key: 128, 256 or 384 bytes. */
const rsaBlock = (what: string) => base64url(what, 171, 512);

export const ENVELOPE_VERSION = 1;

/**
 * Envelope v1, frozen. `ct` is the AES-256-GCM ciphertext and tag of the 1,024-byte padded text, so every
 * envelope of a given pair of key sizes has the same length whatever the text.
 */
export const envelopeV1Schema = z.strictObject({
  v: z.literal(ENVELOPE_VERSION),
  id: messageIdSchema,
  from: envelopeNameSchema,
  to: envelopeNameSchema,
  /** The sender's clock, ms since the epoch. */
  ts: z.number().int().min(0).max(8_640_000_000_000_000),
  kid: z.strictObject({ from: fingerprintSchema, to: fingerprintSchema }),
  iv: base64url('The IV', 16, 16),
  ct: base64url('The ciphertext', 1_387, 1_387),
  wk: z.strictObject({ to: rsaBlock('The wrapped key'), from: rsaBlock('The wrapped key') }),
  sig: rsaBlock('The signature'),
});

export type EnvelopeV1 = z.infer<typeof envelopeV1Schema>;
export type Envelope = EnvelopeV1;

export const sendMessageRequestSchema = z.strictObject({
  envelope: envelopeV1Schema,
});

export type SendMessageRequest = z.input<typeof sendMessageRequestSchema>;

/** What the sender sees, DESIGN §2; `error` carries a reason a person understands. */
export const messageStatusSchema = z.enum(['enqueued', 'delivered', 'error']);

export type MessageStatus = z.infer<typeof messageStatusSchema>;

/**
 * The answer to a send: the same for every recipient, real or not, in the Ring or not (a message to a
 * decoy or to someone the sender may not write to is accepted and dropped). A repeated id gets the first
 * answer again.
 */
export const sendMessageResponseSchema = z.object({
  message: z.object({
    id: messageIdSchema,
    status: z.literal('enqueued'),
    acceptedAt: z.number().int(),
  }),
});

export type SendMessageResponse = z.infer<typeof sendMessageResponseSchema>;

/** A message waiting for its recipient, as pushed and as listed on reconnect. */
export const incomingMessageSchema = z.object({
  envelope: envelopeV1Schema,
  /** When the server stored it. */
  acceptedAt: z.number().int(),
});

export type IncomingMessage = z.infer<typeof incomingMessageSchema>;

/** A sent message's status as the server knows it, for the sender's browsers. */
export const messageStatusUpdateSchema = z.object({
  id: messageIdSchema,
  to: z.string(),
  status: messageStatusSchema,
  at: z.number().int(),
  /** For `error`: e.g. "not delivered within 72 h". */
  reason: z.string().nullable(),
});

export type MessageStatusUpdate = z.infer<typeof messageStatusUpdateSchema>;

/** `GET /api/messages/pending`: what waits for the signed-in recipient, oldest first. */
export const pendingMessagesResponseSchema = z.object({
  messages: z.array(incomingMessageSchema),
});

export type PendingMessagesResponse = z.infer<typeof pendingMessagesResponseSchema>;
