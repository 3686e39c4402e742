import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Which of our encodings the client takes, brotli first; q=0 refuses one. */
function pickEncoding(accept: string | undefined): 'br' | 'gzip' | null {
  if (!accept) return null;
  const offered = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find(Boolean);
    offered.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const quality = (name: string) => offered.get(name) ?? offered.get('*') ?? 0;
  if (quality('br') > 0) return 'br';
  if (quality('gzip') > 0) return 'gzip';
  return null;
}

/**
 * Compresses JSON answers of at least `thresholdBytes` (below that the headers cost more than they save).
 * Hono's own compress middleware cannot see the size of a c.json() body and offers no brotli on Node 20.
 * Only JSON: the event stream must reach the browser unbuffered.
 */
export function compressJson({ thresholdBytes }: { thresholdBytes: number }): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const type = c.res.headers.get('Content-Type') ?? '';
    if (!type.startsWith('application/json') || c.res.headers.has('Content-Encoding') || !c.res.body) return;
    c.res.headers.append('Vary', 'Accept-Encoding');
    const encoding = pickEncoding(c.req.header('Accept-Encoding'));
    if (!encoding) return;
    const plain = Buffer.from(await c.res.arrayBuffer());
    const headers = new Headers(c.res.headers);
    let body: Buffer = plain;
    if (plain.length >= thresholdBytes) {
      body =
        encoding === 'br'
          ? await brotli(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
          : await gzipAsync(plain);
      headers.set('Content-Encoding', encoding);
    }
    headers.set('Content-Length', String(body.length));
    c.res = new Response(new Uint8Array(body), { status: c.res.status, headers });
  };
}
