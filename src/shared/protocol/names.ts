import { z } from 'zod';

// Account names and community names follow one rule so people learn it once: compared after Unicode
// NFKC and lower-casing, which folds full-width letters, ligatures and case into one spelling and
// leaves nothing outside a-z 0-9 . _ - to look alike.

export const NAME_MIN = 3;
export const NAME_MAX = 32;

export function normalizeName(raw: string): string {
  return raw.normalize('NFKC').toLowerCase().trim();
}

/** Returns a sentence a person understands, or null when the normalized name is acceptable. */
export function nameProblem(normalized: string): string | null {
  if (normalized.length < NAME_MIN || normalized.length > NAME_MAX) {
    return `Use ${NAME_MIN} to ${NAME_MAX} characters.`;
  }
  if (!/^[a-z0-9._-]+$/.test(normalized)) {
    return 'Use only letters a–z, digits, dots, underscores and hyphens.';
  }
  if (!/^[a-z0-9]/.test(normalized)) {
    return 'Start with a letter or a digit.';
  }
  return null;
}

/** Accepts what a person typed and yields the normalized name, or a validation issue saying what to fix. */
export const nameSchema = z
  .string()
  // Bounds the work NFKC may do on hostile input before the real length rule runs.
  .max(256, `Use ${NAME_MIN} to ${NAME_MAX} characters.`)
  .transform((raw, ctx) => {
    const normalized = normalizeName(raw);
    const problem = nameProblem(normalized);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return normalized;
  });
