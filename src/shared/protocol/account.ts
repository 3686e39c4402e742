import { z } from 'zod';
import { rules } from '../rules';
import { nameSchema } from './names';

/** 32 bytes in unpadded base64url: the HKDF output the browser sends instead of the password. */
export const authKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'The auth key must be 32 bytes in base64url.');

export const kdfIterationsSchema = z
  .number()
  .int('The iteration count must be a whole number.')
  .min(rules.pbkdf2MinIterations, `Use at least ${rules.pbkdf2MinIterations} PBKDF2 iterations.`)
  .max(rules.pbkdf2MaxIterations, `Use at most ${rules.pbkdf2MaxIterations} PBKDF2 iterations.`);

/**
 * How the browser turns this account's password into its keys. Stored per account, so raising the server's
 * count applies to new accounts and never locks out existing ones.
 */
export const kdfParamsSchema = z.object({
  algorithm: z.literal('PBKDF2-SHA-256'),
  iterations: z.number().int(),
  /** base64url of the salt bytes; the browser checks it is the salt it would make itself. */
  salt: z.string(),
});

export type KdfParams = z.infer<typeof kdfParamsSchema>;

export const credentialsSchema = z.object({
  name: nameSchema,
  authKey: authKeySchema,
});

export type Credentials = z.input<typeof credentialsSchema>;

/** Creating an account also records the iteration count the browser used, which sign-in returns later. */
export const createAccountRequestSchema = credentialsSchema.extend({
  kdfIterations: kdfIterationsSchema,
});

export type CreateAccountRequest = z.input<typeof createAccountRequestSchema>;

/** Asked before sign-in, so the browser derives with this account's own parameters. */
export const kdfRequestSchema = z.object({
  name: nameSchema,
});

export type KdfRequest = z.input<typeof kdfRequestSchema>;

export const kdfResponseSchema = z.object({
  kdf: kdfParamsSchema,
});

export type KdfResponse = z.infer<typeof kdfResponseSchema>;

export const accountSchema = z.object({
  name: z.string(),
  createdAt: z.number().int(),
  kdf: kdfParamsSchema,
});

export type Account = z.infer<typeof accountSchema>;

export const accountResponseSchema = z.object({
  account: accountSchema,
});

export type AccountResponse = z.infer<typeof accountResponseSchema>;

/** The session check answers 200 with `account: null` when signed out, so a visit logs no failed request. */
export const sessionResponseSchema = z.object({
  account: accountSchema.nullable(),
});

export type SessionResponse = z.infer<typeof sessionResponseSchema>;
