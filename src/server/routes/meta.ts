import { Hono } from 'hono';
import type { ConfigResponse, HealthResponse, ReadyResponse } from '../../shared/protocol/config';
import { rules } from '../../shared/rules';
import type { AppDeps, AppEnv } from '../app-env';
import { notReady } from '../errors';

/** What the client needs to know about this server: the rules in force and where data lives. */
export function metaRoutes(deps: AppDeps) {
  const { config } = deps;
  const published: ConfigResponse = {
    rules: {
      messageMaxChars: rules.messageMaxChars,
      messageMaxUtf8Bytes: rules.messageMaxUtf8Bytes,
      maxStars: rules.maxStars,
      sendTries: config.sendTries,
      sendTimeoutMs: config.sendTimeoutMs,
      outboxExpiryMs: config.outboxExpiryMs,
      holdMs: config.holdMs,
      retentionMs: config.retentionMs,
      historyMs: config.historyMs,
      revealIdleMs: config.revealIdleMs,
      keepAliveMs: config.keepAliveMs,
      passwordMinChars: rules.passwordMinChars,
    },
    keys: { defaultBits: config.keyBits, allowedBits: [...rules.keyBitsAllowed] },
    kdf: { algorithm: 'PBKDF2-SHA-256', iterations: config.pbkdf2Iterations },
  };
  return (
    new Hono<AppEnv>()
      .get('/config', (c) => c.json(published))
      // Alive: the process answers. A supervisor restarts an instance that stops answering this.
      .get('/health', (c) => c.json({ status: 'ok', store: deps.store.kind } satisfies HealthResponse))
      // Ready: worth sending traffic to. A load balancer stops routing to an instance that answers 503 here.
      .get('/ready', async (c) => {
        const problem = await deps.readiness();
        if (problem) throw notReady(problem);
        return c.json({ status: 'ready' } satisfies ReadyResponse);
      })
  );
}
