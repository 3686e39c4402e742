import { describe, expect, it } from 'vitest';
import { errorBodySchema, errorCodes } from './errors';

describe('the error body', () => {
  it('carries one of the codes the client switches on, and nothing else', () => {
    for (const code of errorCodes) {
      expect(errorBodySchema.safeParse({ error: { code, message: 'x' } }).success, code).toBe(true);
    }
    for (const code of ['', 'Invalid_Request', 'something_new', 42]) {
      expect(errorBodySchema.safeParse({ error: { code, message: 'x' } }).success, String(code)).toBe(false);
    }
  });
});
