import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { nodeBindings, type AppDeps, type AppEnv } from './app-env';
import { ApiError, errorBody } from './errors';
import { compressJson } from './middleware/compress-json';
import { closeAfterUnreadBody } from './middleware/connection';
import { requireCsrfHeader, requireJsonBody } from './middleware/request-guards';
import { requestBodies } from './middleware/request-body';
import { securityHeaders } from './middleware/security-headers';
import { loadSession } from './middleware/session';
import { accountRoutes } from './routes/accounts';
import { directoryRoutes } from './routes/directory';
import { eventRoutes } from './routes/events';
import { identityRoutes } from './routes/identity';
import { messageRoutes } from './routes/messages';
import { historyRoutes } from './routes/history';
import { metaRoutes } from './routes/meta';
import { ringRoutes } from './routes/ring';
import { sessionRoutes } from './routes/session';

const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/');
const isClientRoute = (path: string) => !path.startsWith('/assets/') && !path.startsWith('/.well-known/');

/** The path as the client sent it, still percent-encoded, so a logged `%0A` stays three characters. */
function rawPath(c: Context): string {
  return new URL(c.req.url).pathname;
}

/** True when the client went away mid-request: its own doing, not a fault of ours worth a stack trace. */
function isClientAbort(c: Context<AppEnv>, error: unknown): boolean {
  const { incoming } = nodeBindings(c);
  if (incoming && (incoming.destroyed || incoming.readableAborted) && !incoming.readableEnded) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

/** The decoy-key generator defaults to node:crypto's; tests hand in one that counts its calls. */
/**
 * The sealed pin blob grows with the Ring (about 190 bytes a member): its route may take up to 256 KiB,
 * which holds the 200,000 characters its schema allows; every other body keeps the configured limit.
 */
const PINS_BODY_LIMIT_BYTES = 256 * 1024;

export function createApp(deps: AppDeps) {
  const api = new Hono<AppEnv>()
    .use(compressJson({ thresholdBytes: 1024 }))
    // Refusals that need no body come first, so a refused body is never read (and its connection closes).
    .use(requireCsrfHeader, requireJsonBody)
    .use(
      requestBodies((path) =>
        path === '/api/ring/pins'
          ? Math.max(deps.config.bodyLimitBytes, PINS_BODY_LIMIT_BYTES)
          : deps.config.bodyLimitBytes,
      ),
    )
    .use(loadSession(deps))
    .route('/', metaRoutes(deps))
    .route('/accounts', accountRoutes(deps))
    .route('/session', sessionRoutes(deps))
    .route('/identity', identityRoutes(deps))
    .route('/ring', ringRoutes(deps))
    .route('/directory', directoryRoutes(deps))
    .route('/messages', messageRoutes(deps))
    .route('/history', historyRoutes(deps))
    .route('/events', eventRoutes(deps));

  const app = new Hono<AppEnv>()
    .use(securityHeaders({ hsts: deps.config.secureCookies }))
    .use(async (c, next) => {
      const started = performance.now();
      await next();
      if (deps.config.log) {
        const ms = Math.round((performance.now() - started) * 10) / 10;
        deps.log.info({ method: c.req.method, path: rawPath(c), status: c.res.status, ms }, 'request');
      }
    })
    .use(closeAfterUnreadBody)
    .route('/api', api);

  if (deps.config.staticDir && existsSync(join(deps.config.staticDir, 'index.html'))) {
    mountSpa(app, deps.config.staticDir);
  }

  app.notFound((c) => {
    return c.json(errorBody('not_found', `Nothing is at ${c.req.method} ${rawPath(c)}.`), 404);
  });

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json(errorBody(error.code, error.message), error.status);
    }
    // Before the HTTPException case: a body cut off mid-way also fails to parse as JSON.
    if (isClientAbort(c, error)) {
      deps.log.info({ method: c.req.method, path: rawPath(c) }, 'client aborted the request');
      // Nobody is left to read this; it only keeps the record straight.
      return c.json(errorBody('invalid_request', 'The request was cut off.'), 400);
    }
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's JSON validator throws this for a body that does not parse.
      const code = error.status === 400 ? 'malformed_json' : 'invalid_request';
      const message = error.status === 400 ? 'The request body is not valid JSON.' : error.message;
      return c.json(errorBody(code, message), error.status);
    }
    deps.log.error({ err: error, method: c.req.method, path: rawPath(c) }, 'request failed');
    return c.json(errorBody('internal', 'Something went wrong on our side. Please try again.'), 500);
  });

  return app;
}

/** The type of every API route, for Hono's typed clients (`hc<AppType>`, `testClient`). */
export type AppType = ReturnType<typeof createApp>;

function mountSpa(app: Hono<AppEnv>, root: string) {
  app.use('*', async (c, next) => {
    await next();
    if (isApiPath(c.req.path) || !c.res.ok) return;
    // Vite puts content-hashed files under /assets: they never change, so they may be cached for good.
    // Everything else, the release manifest included, is asked for again each time, so a new release
    // shows at once.
    const immutable = c.req.path.startsWith('/assets/');
    c.res.headers.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (immutable) c.res.headers.set('Vary', 'Accept-Encoding');
  });
  // Vite's build writes .br and .gz beside each text asset; they are sent as-is to browsers that take them.
  app.use('*', serveStatic({ root, precompressed: true }));
  let indexHtml: Promise<string> | undefined;
  // Client-side routes (/settings, /people…) all load the SPA shell. A missing hashed asset is a 404:
  // answering it with the page would get the page cached for a year under the asset's name. So is a
  // missing file under /.well-known/ (the release manifest, decision 019): tools read those, and the
  // page would only make them fail to parse it.
  app.get('*', async (c, next) => {
    if (isApiPath(c.req.path) || !isClientRoute(c.req.path)) return next();
    indexHtml ??= readFile(join(root, 'index.html'), 'utf8');
    return c.html(await indexHtml);
  });
}
