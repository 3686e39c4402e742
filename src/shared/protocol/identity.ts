import { z } from 'zod';
import { isFingerprint } from '../crypto/fingerprint';
import { parseKeyBackup, type KeyBackup } from '../crypto/key-backup';
import { isAllowedKeyBits, rules } from '../rules';
import { nameSchema } from './names';

// The sharing identity: the public key everyone may see, the encrypted backup only its owner may fetch,
// and the community name, chosen once. The backup's shape is defined by the crypto module that opens it.

export const keyBackupSchema = z.unknown().transform((value, ctx): KeyBackup => {
  try {
    return parseKeyBackup(value);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: error instanceof Error ? error.message : 'The key backup is malformed.',
    });
    return z.NEVER;
  }
});

/** base64url SPKI DER; 3072-bit keys are about 420 bytes. */
export const spkiSchema = z
  .string()
  .min(16, 'The public key is too short.')
  .max(1_024, 'The public key is too long.')
  .regex(/^[A-Za-z0-9_-]+$/, 'The public key must be base64url.');

export const fingerprintSchema = z
  .string()
  .refine(isFingerprint, 'A fingerprint is 64 lowercase hex digits.');

export const keyBitsSchema = z
  .number()
  .int()
  .refine(isAllowedKeyBits, {
    message: `Key size must be one of ${rules.keyBitsAllowed.join(', ')} bits.`,
  });

/** Strict: a request that also tries to set a community name (or anything else) is refused. */
export const activateRequestSchema = z.strictObject({
  publicKey: spkiSchema,
  fingerprint: fingerprintSchema,
  keyBits: keyBitsSchema,
  backup: keyBackupSchema,
});

export type ActivateRequest = z.input<typeof activateRequestSchema>;

export const claimNameRequestSchema = z.strictObject({
  communityName: nameSchema,
});

export type ClaimNameRequest = z.input<typeof claimNameRequestSchema>;

export const identitySchema = z.object({
  publicKey: z.string(),
  fingerprint: z.string(),
  keyBits: z.number().int(),
  backup: keyBackupSchema,
  communityName: z.string().nullable(),
  activatedAt: z.number().int(),
});

export type Identity = z.infer<typeof identitySchema>;

/** `identity` is null until the account activates sharing. */
export const identityResponseSchema = z.object({
  identity: identitySchema.nullable(),
});

export type IdentityResponse = z.infer<typeof identityResponseSchema>;
