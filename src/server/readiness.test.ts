import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from './db/open-store';
import { memoryLogger } from './log';
import { inProcessEventBus } from './push/event-bus';
import { readiness } from './readiness';
import { createTestApp } from './testing/test-app';
import { errorBodySchema } from '../shared/protocol/errors';
import { readyResponseSchema } from '../shared/protocol/config';

describe('readiness', () => {
  it('is ready with a store that answers, and says why not otherwise', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-ready-'));
    const store = await openStore({ dataDir });
    const bus = inProcessEventBus(memoryLogger().log);
    let draining = false;
    let hearing = true;
    const check = readiness({ store, bus: { ...bus, ready: () => hearing }, draining: () => draining });
    try {
      expect(await check()).toBeNull();
      hearing = false;
      expect(await check()).toBe('The connection that hears other instances is down.');
      hearing = true;
      draining = true;
      expect(await check()).toBe('This instance is shutting down.');
      draining = false;
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(await check()).toBe('The store cannot be reached.');
  });

  it('answers GET /api/ready with 200, or 503 not_ready and the reason for a load balancer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-ready-'));
    const store = await openStore({ dataDir });
    let problem: string | null = null;
    const { client } = createTestApp(store, {}, { deps: { readiness: () => Promise.resolve(problem) } });
    try {
      const ready = await client.get('/api/ready');
      expect(ready.status).toBe(200);
      expect(readyResponseSchema.parse(await ready.json())).toEqual({ status: 'ready' });
      problem = 'This instance is shutting down.';
      const draining = await client.get('/api/ready');
      expect(draining.status).toBe(503);
      expect(draining.headers.get('Retry-After')).toBe('1');
      expect(errorBodySchema.parse(await draining.json()).error).toEqual({
        code: 'not_ready',
        message: 'This instance is shutting down.',
      });
      // Alive all the same: a supervisor must not restart an instance that is only draining.
      expect((await client.get('/api/health')).status).toBe(200);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
