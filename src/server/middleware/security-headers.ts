import type { MiddlewareHandler } from 'hono';

// One origin serves the SPA and the API, so everything can be 'self': no inline script, no eval, no
// third-party anything. React sets styles through the CSSOM, which style-src does not govern.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every response carries; responses written straight to Node's socket add them too. */
export function securityHeaderValues(options: { hsts: boolean }): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    ...(options.hsts ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * The headers that still mean something on a response no browser renders as a page, the event stream:
 * no sniffing it into a document, no cross-origin embedding, HTTPS only. CSP, framing, referrer and
 * permissions policies govern documents, and Node keeps a long-lived response's whole header block in memory for its lifetime,
 * ten thousand times over on a busy instance.
 */
export function streamSecurityHeaderValues(options: { hsts: boolean }): Record<string, string> {
  const all = securityHeaderValues(options);
  const kept = ['X-Content-Type-Options', 'Cross-Origin-Resource-Policy', 'Strict-Transport-Security'];
  return Object.fromEntries(Object.entries(all).filter(([name]) => kept.includes(name)));
}

export function securityHeaders(options: { hsts: boolean }): MiddlewareHandler {
  const values = Object.entries(securityHeaderValues(options));
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of values) headers.set(name, value);
    if (c.req.path.startsWith('/api/')) headers.set('Cache-Control', 'no-store');
  };
}
