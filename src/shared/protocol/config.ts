import { z } from 'zod';

export const configResponseSchema = z.object({
  rules: z.object({
    messageMaxChars: z.number().int(),
    messageMaxUtf8Bytes: z.number().int(),
    maxStars: z.number().int(),
    sendTries: z.number().int(),
    sendTimeoutMs: z.number().int(),
    outboxExpiryMs: z.number().int(),
    holdMs: z.number().int(),
    retentionMs: z.number().int(),
    historyMs: z.number().int(),
    revealIdleMs: z.number().int(),
    keepAliveMs: z.number().int(),
    passwordMinChars: z.number().int(),
  }),
  keys: z.object({
    defaultBits: z.number().int(),
    allowedBits: z.array(z.number().int()),
  }),
  kdf: z.object({
    algorithm: z.literal('PBKDF2-SHA-256'),
    iterations: z.number().int(),
  }),
});

export type ConfigResponse = z.infer<typeof configResponseSchema>;

export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  store: z.enum(['sqlite', 'postgres']),
});

export type HealthResponse = z.infer<typeof healthResponseSchema>;

/** `GET /api/ready` when the instance may be sent traffic; otherwise 503 with `not_ready`. */
export const readyResponseSchema = z.object({ status: z.literal('ready') });

export type ReadyResponse = z.infer<typeof readyResponseSchema>;
