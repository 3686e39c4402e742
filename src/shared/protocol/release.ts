import { z } from 'zod';

// The release manifest: every file an instance serves, with its SHA-256, written by the build
// (scripts/release-manifest.ts) and read back by `npm run verify` (scripts/verify.ts), which compares a
// running instance with what this checkout builds. Decision 019.

/**
 * Where every instance serves its manifest. Under /.well-known/ (RFC 8615), the place for site-wide
 * metadata that tools look up by a fixed name; serveStatic refuses only `.` and `..` segments, so the
 * dotted folder is served like any other.
 */
export const RELEASE_MANIFEST_PATH = '/.well-known/ringpost-release.json';

export const releaseFileSchema = z.strictObject({
  /** The URL path the file is served at, from the origin's root. */
  path: z.string().regex(/^\/[^?#\s]*$/, 'A served path starts with / and has no query or fragment.'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'A SHA-256 is 64 lowercase hex digits.'),
  size: z.number().int().nonnegative(),
});

export type ReleaseFile = z.infer<typeof releaseFileSchema>;

export const releaseManifestSchema = z.strictObject({
  /** The manifest's own format; a new shape gets a new number and this one never changes. */
  format: z.literal(1),
  app: z.literal('ringpost'),
  /** package.json's version: a name for people, proving nothing; the hashes do that. */
  version: z.string().min(1),
  /** Sorted by path (code units), so one build always writes the same bytes. */
  files: z.array(releaseFileSchema),
});

export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;
