import { z } from 'zod';

/** Every error the API can answer; the client switches on these, never on message text. */
export const errorCodes = [
  'invalid_request',
  'malformed_json',
  'unsupported_media_type',
  'payload_too_large',
  'not_found',
  'unauthenticated',
  'invalid_credentials',
  'csrf_header_missing',
  'name_unavailable',
  'rate_limited',
  'already_activated',
  'not_activated',
  'name_already_set',
  'key_in_use',
  'terms_required',
  'name_required',
  'key_changed',
  'pins_conflict',
  'stars_full',
  'content_gone',
  'not_ready',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
  }),
});

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Browsers cannot send this header cross-site without a CORS preflight we never grant: the CSRF defence. */
export const CSRF_HEADER = 'X-Ringpost-Request';
export const CSRF_HEADER_VALUE = '1';
