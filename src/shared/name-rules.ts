// Account names and community names follow one rule so people learn it once: compared after Unicode
// NFKC and lower-casing, which folds full-width letters, ligatures and case into one spelling and
// leaves nothing outside a-z 0-9 . _ - to look alike. Free of zod, so the crypto worker can use it too.

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
