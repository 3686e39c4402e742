import { z } from 'zod';
import { nameSchema } from './names';
import { publishedKeySchema } from './ring';

// The directory answers every well-formed name with a public key: the real one, or a decoy that is stable
// for that name and cannot be told from a real key (DESIGN §5). A POST, so looked-up names stay out of
// URLs and access logs.

export const lookupRequestSchema = z.strictObject({
  communityName: nameSchema,
});

export type LookupRequest = z.input<typeof lookupRequestSchema>;

export const lookupResponseSchema = z.object({
  entry: publishedKeySchema,
});

export type LookupResponse = z.infer<typeof lookupResponseSchema>;
