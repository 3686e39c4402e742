import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

// The peer of bench/push-memory.ts: the smallest idle push channel Hono offers (`streamSSE`), one frame and
// then nothing until the client leaves, so its memory per connection is the framework's cost alone.

const app = new Hono()
  .get('/health', (c) => c.text('ok'))
  .get('/events', (c) =>
    streamSSE(c, async (stream) => {
      await stream.writeSSE({ event: 'ready', data: '1' });
      await new Promise<void>((resolve) => stream.onAbort(resolve));
    }),
  );

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0));
