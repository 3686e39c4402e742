import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configResponseSchema, healthResponseSchema } from '../shared/protocol/config';
import { errorBodySchema } from '../shared/protocol/errors';
import type { Store } from './db/open-store';
import { createTestApp, useTestStore, randomAuthKey, storeTargets } from './testing/test-app';

describe.each(storeTargets())('the API edge on $kind', (target) => {
  const store = useTestStore(target);

  it('reports its store kind and publishes the rules in force', async () => {
    const { client } = createTestApp(store(), { holdMs: 5_000, pbkdf2Iterations: 700_000 });
    const health = healthResponseSchema.parse(await (await client.get('/api/health')).json());
    expect(health).toEqual({ status: 'ok', store: target.kind });
    const config = configResponseSchema.parse(await (await client.get('/api/config')).json());
    expect(config.rules.holdMs).toBe(5_000);
    expect(config.rules.messageMaxChars).toBe(160);
    expect(config.kdf.iterations).toBe(700_000);
    expect(config.keys).toEqual({ defaultBits: 1024, allowedBits: [1024, 2048, 3072] });
  });

  it('sets the security headers on every response, and no-store on the API', async () => {
    const { client } = createTestApp(store());
    for (const response of [
      await client.get('/api/health'),
      await client.get('/api/nope'),
      await client.get('/'),
    ]) {
      const csp = response.headers.get('Content-Security-Policy') ?? '';
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ]) {
        expect(csp).toContain(directive);
      }
      expect(csp).not.toContain('unsafe');
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
    }
    expect((await client.get('/api/health')).headers.get('Cache-Control')).toBe('no-store');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const { client } = createTestApp(store());
    for (const response of [await client.get('/api/unknown'), await client.post('/api/health/deeper', {})]) {
      expect(response.status).toBe(404);
      expect(errorBodySchema.parse(await response.json()).error.code).toBe('not_found');
    }
  });

  it('refuses writes without the CSRF header', async () => {
    const { app } = createTestApp(store());
    const response = await app.request('/api/accounts', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'mallory', authKey: randomAuthKey() }),
    });
    expect(response.status).toBe(403);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe('csrf_header_missing');
    expect(
      await store().db.selectFrom('accounts').select('id').where('name', '=', 'mallory').executeTakeFirst(),
    ).toBe(undefined);
  });

  it('answers malformed JSON with 400, other media types with 415 and oversized bodies with 413', async () => {
    const { client, config } = createTestApp(store());
    const malformed = await client.post('/api/session', undefined, {
      'Content-Type': 'application/json',
      'Content-Length': '9',
    });
    expect(malformed.status).toBe(400);

    const { app } = createTestApp(store());
    const send = (body: string, type: string) =>
      app.request('/api/session', {
        method: 'POST',
        headers: { 'Content-Type': type, 'X-Ringpost-Request': '1', 'Content-Length': String(body.length) },
        body,
      });
    const broken = await send('{"name": "x",', 'application/json');
    expect(broken.status).toBe(400);
    expect(errorBodySchema.parse(await broken.json()).error.code).toBe('malformed_json');

    const form = await send('name=x', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
    expect(errorBodySchema.parse(await form.json()).error.code).toBe('unsupported_media_type');

    const huge = await send(JSON.stringify({ name: 'x'.repeat(config.bodyLimitBytes) }), 'application/json');
    expect(huge.status).toBe(413);
    expect(errorBodySchema.parse(await huge.json()).error.code).toBe('payload_too_large');
  });

  it('never answers bad input with a 5xx', async () => {
    const { app, logs } = createTestApp(store());
    const bodies = [
      'null',
      '[]',
      '"text"',
      '42',
      '{}',
      '{"name":null}',
      '{"name":{"$gt":""}}',
      '\u0000',
      '{"__proto__":{"a":1}}',
    ];
    const routes: [string, string][] = [
      ['POST', '/api/accounts'],
      ['POST', '/api/session'],
      ['DELETE', '/api/session'],
      ['GET', '/api/session'],
      ['PUT', '/api/accounts'],
    ];
    for (const [method, path] of routes) {
      for (const body of bodies) {
        const response = await app.request(path, {
          method,
          headers: { 'Content-Type': 'application/json', 'X-Ringpost-Request': '1' },
          body: method === 'GET' ? null : body,
        });
        expect(response.status, `${method} ${path} ${body}`).toBeLessThan(500);
        if (response.status !== 204) {
          expect(errorBodySchema.safeParse(await response.json()).success || response.status < 300).toBe(
            true,
          );
        }
      }
    }
    expect(logs.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});

describe('serving the built SPA from one origin', () => {
  let root: string;
  let cleanupStore: () => Promise<void>;
  let store: Store;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ringpost-dist-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Ringpost</title><div id="root"></div>');
    writeFileSync(join(root, 'assets', 'main-abc123.js'), 'console.log(1)');
    const target = storeTargets()[0];
    if (!target) throw new Error('no store');
    ({ store, cleanup: cleanupStore } = await target.open());
  });
  afterAll(async () => {
    await cleanupStore();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html for client routes, hashed assets for good, and keeps API 404s as JSON', async () => {
    const { client } = createTestApp(store, { staticDir: root });
    for (const path of ['/', '/settings', '/people/anything']) {
      const page = await client.get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('Content-Type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('<div id="root">');
    }
    const asset = await client.get('/assets/main-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('Cache-Control')).toContain('immutable');
    const api = await client.get('/api/missing');
    expect(api.status).toBe(404);
    expect(api.headers.get('Content-Type')).toMatch(/application\/json/);
  });
});
