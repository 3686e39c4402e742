import type { Context } from 'hono';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { errorBody } from '../errors';

/** A validation failure becomes one sentence naming the field, e.g. "name: Use 3 to 32 characters." */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  const field = issue.path.map(String).join('.');
  return field ? `${field}: ${issue.message}` : issue.message;
}

/** Parses the JSON body with a shared protocol schema; the handler reads the result with c.req.valid('json'). */
export const jsonBody = <S extends z.ZodType>(schema: S) =>
  validator('json', (value, c: Context) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) return c.json(errorBody('invalid_request', describeIssues(parsed.error)), 400);
    return parsed.data;
  });
