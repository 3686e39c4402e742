import { z } from 'zod';
import { fingerprintSchema } from './identity';
import { nameSchema } from './names';

// The Ring of Trust (DESIGN §1.4, §5): terms, invites by exact community name, the members, and the
// sealed blob of pinned fingerprints. An invite answer never depends on whether the name exists, so
// `sentInviteSchema` carries nothing the server learned about the invitee.

/** The terms a user accepts before their first invite; a new wording gets a new number and asks again. */
export const TERMS_VERSION = 1;

/** 16 random bytes, base64url: what names an invite in every route. */
export const inviteIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, 'An invite id is 22 base64url characters.');

export const acceptTermsRequestSchema = z.strictObject({
  version: z.literal(TERMS_VERSION),
});

export const termsResponseSchema = z.object({
  termsAcceptedAt: z.number().int(),
});

export type TermsResponse = z.infer<typeof termsResponseSchema>;

export const inviteRequestSchema = z.strictObject({
  communityName: nameSchema,
});

export type InviteRequest = z.input<typeof inviteRequestSchema>;

/** An invite as its sender sees it: the same fields, lengths and status whether or not the name exists. */
export const sentInviteSchema = z.object({
  id: inviteIdSchema,
  /** The normalized name the sender typed. */
  communityName: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
});

export type SentInvite = z.infer<typeof sentInviteSchema>;

export const inviteResponseSchema = z.object({
  invite: sentInviteSchema,
});

export type InviteResponse = z.infer<typeof inviteResponseSchema>;

/** A public key as the server hands it out. The client recomputes the fingerprint and trusts only its pin. */
export const publishedKeySchema = z.object({
  communityName: z.string(),
  /** SubjectPublicKeyInfo DER, base64url. */
  publicKey: z.string(),
  fingerprint: z.string(),
  keyBits: z.number().int(),
});

export type PublishedKey = z.infer<typeof publishedKeySchema>;

/** An invite as its recipient sees it: who sent it and the key to compare before accepting. */
export const receivedInviteSchema = publishedKeySchema.extend({
  id: inviteIdSchema,
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
});

export type ReceivedInvite = z.infer<typeof receivedInviteSchema>;

export const memberSchema = publishedKeySchema.extend({
  addedAt: z.number().int(),
  /** True when this user sent the invite the member accepted: the page tells them once. */
  invitedByMe: z.boolean(),
});

export type Member = z.infer<typeof memberSchema>;

/** Everything the People tab shows, in one request so it can be polled cheaply. */
export const ringResponseSchema = z.object({
  /** Null until the terms are accepted; inviting is refused until then. */
  termsAcceptedAt: z.number().int().nullable(),
  members: z.array(memberSchema),
  sent: z.array(sentInviteSchema),
  received: z.array(receivedInviteSchema),
});

export type RingResponse = z.infer<typeof ringResponseSchema>;

/** The inviter's fingerprint as the recipient saw it: accepting a different key is refused. */
export const acceptInviteRequestSchema = z.strictObject({
  fingerprint: fingerprintSchema,
});

export type AcceptInviteRequest = z.input<typeof acceptInviteRequestSchema>;

export const acceptInviteResponseSchema = z.object({
  member: memberSchema,
});

export type AcceptInviteResponse = z.infer<typeof acceptInviteResponseSchema>;

/**
 * The pinned fingerprints, sealed with the wrap key in the browser (shared/crypto/pin-blob.ts). The server
 * checks only its outer shape and size and stores it opaque.
 */
export const pinBlobSchema = z.strictObject({
  v: z.literal(1),
  iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'The IV is 12 bytes, base64url.'),
  ct: z
    .string()
    .min(24)
    .max(200_000, 'The pin blob is too large.')
    .regex(/^[A-Za-z0-9_-]+$/, 'The ciphertext must be base64url.'),
});

export type PinBlobWire = z.infer<typeof pinBlobSchema>;

export const pinsResponseSchema = z.object({
  /** Null until the first browser of the account saves its pins. */
  pins: z.object({ blob: pinBlobSchema, version: z.number().int().min(1) }).nullable(),
});

export type PinsResponse = z.infer<typeof pinsResponseSchema>;

/** `baseVersion` is the version the browser last read (0 for none): a stale write is refused, not lost. */
export const putPinsRequestSchema = z.strictObject({
  blob: pinBlobSchema,
  baseVersion: z.number().int().min(0),
});

export type PutPinsRequest = z.input<typeof putPinsRequestSchema>;

export const putPinsResponseSchema = z.object({
  version: z.number().int().min(1),
});

export type PutPinsResponse = z.infer<typeof putPinsResponseSchema>;
