import { z } from 'zod';
import { NAME_MAX, NAME_MIN, nameProblem, normalizeName } from '../name-rules';

export { nameProblem, normalizeName } from '../name-rules';

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
