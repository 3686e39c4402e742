import type { z } from 'zod';
import {
  CSRF_HEADER,
  CSRF_HEADER_VALUE,
  errorBodySchema,
  type ErrorCode,
} from '../../shared/protocol/errors';

/**
 * What went wrong, for code to switch on: the API's own error codes, or the page's view of a request that
 * got no usable answer (no connection, an error body it does not know, a success it cannot read).
 */
export type ApiRequestErrorCode = ErrorCode | 'network' | 'unexpected' | 'bad_response';

/** A refusal from the API (with its code) or a failure to reach it (code "network"). */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiRequestErrorCode,
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

export const NETWORK_ERROR_MESSAGE = 'Cannot reach Ringpost. Check your connection and try again.';

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * Every call goes through here: the CSRF header on writes, one error shape, and the response checked
 * against the same protocol schema the server answered with. Pass null for a 204.
 */
export async function apiRequest<S extends z.ZodType>(
  path: string,
  schema: S,
  options?: RequestOptions,
): Promise<z.output<S>>;
export async function apiRequest(path: string, schema: null, options?: RequestOptions): Promise<void>;
export async function apiRequest<S extends z.ZodType>(
  path: string,
  schema: S | null,
  { method = 'GET', body, signal }: RequestOptions = {},
): Promise<z.output<S> | void> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers[CSRF_HEADER] = CSRF_HEADER_VALUE;
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiRequestError(0, 'network', NETWORK_ERROR_MESSAGE);
  }

  if (!response.ok) {
    const parsed = errorBodySchema.safeParse(await response.json().catch(() => null));
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiRequestError(
      response.status,
      parsed.success ? parsed.data.error.code : 'unexpected',
      parsed.success
        ? parsed.data.error.message
        : `Ringpost answered with an unexpected error (${response.status}).`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    );
  }
  if (schema === null) return;
  const parsed = schema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) {
    throw new ApiRequestError(
      response.status,
      'bad_response',
      'Ringpost sent an answer this page does not understand. Reload the page.',
    );
  }
  return parsed.data;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiRequestError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Please try again.';
}
