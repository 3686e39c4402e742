import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, AppEnv } from './app-env';
import { ApiError, errorBody } from './errors';
import { requireCsrfHeader, requireJsonBody } from './middleware/request-guards';
import { securityHeaders } from './middleware/security-headers';
import { loadSession } from './middleware/session';
import { accountRoutes } from './routes/accounts';
import { identityRoutes } from './routes/identity';
import { metaRoutes } from './routes/meta';
import { sessionRoutes } from './routes/session';

export function nodeClientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/');

export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.use('*', securityHeaders({ hsts: deps.config.secureCookies }));
  if (deps.config.log) {
    app.use('*', async (c, next) => {
      const started = performance.now();
      await next();
      // Method, path and status only: bodies may hold ciphertext and keys, and query strings names.
      deps.log(`${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - started).toFixed(1)}ms`);
    });
  }
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: deps.config.bodyLimitBytes,
      onError: (c) =>
        c.json(
          errorBody(
            'payload_too_large',
            `The request body is larger than ${deps.config.bodyLimitBytes} bytes.`,
          ),
          413,
        ),
    }),
  );
  app.use('/api/*', requireCsrfHeader, requireJsonBody, loadSession(deps));

  const api = new Hono<AppEnv>()
    .route('/', metaRoutes(deps))
    .route('/accounts', accountRoutes(deps))
    .route('/session', sessionRoutes(deps))
    .route('/identity', identityRoutes(deps));
  app.route('/api', api);

  if (deps.config.staticDir && existsSync(join(deps.config.staticDir, 'index.html'))) {
    mountSpa(app, deps.config.staticDir);
  }

  app.notFound((c) => {
    return c.json(errorBody('not_found', `Nothing is at ${c.req.method} ${c.req.path}.`), 404);
  });

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json(errorBody(error.code, error.message), error.status);
    }
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's JSON validator throws this for a body that does not parse.
      const code = error.status === 400 ? 'malformed_json' : 'invalid_request';
      const message = error.status === 400 ? 'The request body is not valid JSON.' : error.message;
      return c.json(errorBody(code, message), error.status);
    }
    deps.log(
      `error ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return c.json(errorBody('internal', 'Something went wrong on our side. Please try again.'), 500);
  });

  return app;
}

export type AppType = ReturnType<typeof createApp>;

function mountSpa(app: Hono<AppEnv>, root: string) {
  app.use('*', async (c, next) => {
    await next();
    if (isApiPath(c.req.path) || !c.res.ok) return;
    // Vite puts content-hashed files under /assets: they never change, so they may be cached for good.
    const immutable = c.req.path.startsWith('/assets/');
    c.res.headers.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  });
  app.use('*', serveStatic({ root }));
  let indexHtml: Promise<string> | undefined;
  // Client-side routes (/settings, /people…) all load the SPA shell; unknown API paths stay JSON 404s.
  app.get('*', async (c, next) => {
    if (isApiPath(c.req.path)) return next();
    indexHtml ??= readFile(join(root, 'index.html'), 'utf8');
    return c.html(await indexHtml);
  });
}
