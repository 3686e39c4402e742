import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config';
import { findSession, type SessionLimits } from '../db/sessions';
import type { AppDeps, AppEnv } from '../app-env';

export function sessionCookieName(secure: boolean): string {
  // __Host- makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
  return secure ? '__Host-ringpost_session' : 'ringpost_session';
}

export function sessionLimits(config: Config): SessionLimits {
  return { ttlMs: config.sessionTtlMs, idleMs: config.sessionIdleMs };
}

export function loadSession(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const name = sessionCookieName(deps.config.secureCookies);
  return async (c, next) => {
    const token = getCookie(c, name) ?? null;
    const session = token
      ? await findSession(deps.store.db, token, deps.clock.now(), sessionLimits(deps.config))
      : null;
    c.set('session', session && token ? { token, key: session.key, expiresAt: session.expiresAt } : null);
    c.set('account', session?.account ?? null);
    await next();
  };
}

export function setSessionCookie(c: Context, deps: AppDeps, token: string): void {
  setCookie(c, sessionCookieName(deps.config.secureCookies), token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: deps.config.secureCookies,
    path: '/',
    maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
  });
}

export function clearSessionCookie(c: Context, deps: AppDeps): void {
  deleteCookie(c, sessionCookieName(deps.config.secureCookies), {
    path: '/',
    secure: deps.config.secureCookies,
    httpOnly: true,
    sameSite: 'Strict',
  });
}
