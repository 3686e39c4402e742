import { z } from 'zod';
import { nameSchema } from './names';

/** 32 bytes in unpadded base64url: the HKDF output the browser sends instead of the password. */
export const authKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'The auth key must be 32 bytes in base64url.');

export const credentialsSchema = z.object({
  name: nameSchema,
  authKey: authKeySchema,
});

export type Credentials = z.input<typeof credentialsSchema>;

export const accountSchema = z.object({
  name: z.string(),
  createdAt: z.number().int(),
});

export type Account = z.infer<typeof accountSchema>;

export const accountResponseSchema = z.object({
  account: accountSchema,
});

export type AccountResponse = z.infer<typeof accountResponseSchema>;
