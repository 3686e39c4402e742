import type { MiddlewareHandler } from 'hono';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/protocol/errors';
import { errorBody } from '../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether the request's headers announce a body: a non-zero Content-Length, or chunked framing. */
export function declaresBody(header: (name: string) => string | undefined): boolean {
  const length = header('Content-Length');
  return length !== undefined ? length !== '0' : header('Transfer-Encoding') !== undefined;
}

/**
 * State-changing requests must carry a custom header. A cross-site form or fetch cannot add one without a
 * CORS preflight, which this API never grants, so a forged request from another site stops here.
 */
export const requireCsrfHeader: MiddlewareHandler = async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method) && c.req.header(CSRF_HEADER) !== CSRF_HEADER_VALUE) {
    return c.json(
      errorBody(
        'csrf_header_missing',
        `This request must carry the header ${CSRF_HEADER}: ${CSRF_HEADER_VALUE}.`,
      ),
      403,
    );
  }
  await next();
};

/** A body in any other format would be silently read as empty; say so instead. */
export const requireJsonBody: MiddlewareHandler = async (c, next) => {
  const hasBody = declaresBody((name) => c.req.header(name));
  const type = c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (!SAFE_METHODS.has(c.req.method) && hasBody && type !== 'application/json') {
    return c.json(errorBody('unsupported_media_type', 'Send the request body as application/json.'), 415);
  }
  await next();
};
