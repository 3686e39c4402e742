import { serve } from '@hono/node-server';
import { createApp, nodeClientAddress } from './app';
import { systemClock } from './clock';
import { openStore } from './db/open-store';
import { configFromEnv } from './env';
import { memoryRateLimiter } from './rate-limit';

const config = configFromEnv();
const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
const app = createApp({
  store,
  clock: systemClock,
  config,
  rateLimiter: memoryRateLimiter(systemClock),
  clientAddress: nodeClientAddress,
  log,
});

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  log(`Ringpost listening on http://localhost:${info.port} (store: ${store.kind})`);
});

function shutdown(signal: string) {
  log(`${signal}: shutting down`);
  server.close(() => {
    void store.close().finally(() => process.exit(0));
  });
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
