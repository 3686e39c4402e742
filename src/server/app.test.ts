import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { testClient } from 'hono/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../scripts/precompress';
import { kdfResponseSchema, sessionResponseSchema } from '../shared/protocol/account';
import { configResponseSchema, healthResponseSchema } from '../shared/protocol/config';
import { errorBodySchema } from '../shared/protocol/errors';
import type { Store } from './db/open-store';
import { compressJson } from './middleware/compress-json';
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
    writeFileSync(
      join(root, 'assets', 'app-1a2b3c.js'),
      `console.log(${JSON.stringify('x'.repeat(5_000))});`,
    );
    precompressDir(root);
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

  it('answers a missing hashed asset with a 404 that is not cached, never with the page', async () => {
    const { client } = createTestApp(store, { staticDir: root });
    const missing = await client.get('/assets/app-0000000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Cache-Control') ?? '').not.toContain('immutable');
    expect(await missing.text()).not.toContain('<div id="root">');
  });

  it('serves the build’s precompressed files to browsers that take them, and the plain file otherwise', async () => {
    const { client } = createTestApp(store, { staticDir: root });
    const plain = await client.get('/assets/app-1a2b3c.js');
    const brotli = await client.get('/assets/app-1a2b3c.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    const gzip = await client.get('/assets/app-1a2b3c.js', { 'Accept-Encoding': 'gzip' });
    expect(plain.headers.get('Content-Encoding')).toBeNull();
    expect(brotli.headers.get('Content-Encoding')).toBe('br');
    expect(gzip.headers.get('Content-Encoding')).toBe('gzip');
    for (const response of [plain, brotli, gzip])
      expect(response.headers.get('Vary')).toContain('Accept-Encoding');
    const original = Buffer.from(await plain.arrayBuffer());
    expect(brotliDecompressSync(Buffer.from(await brotli.arrayBuffer()))).toEqual(original);
    expect(gunzipSync(Buffer.from(await gzip.arrayBuffer()))).toEqual(original);
    expect(Number(brotli.headers.get('Content-Length'))).toBeLessThan(original.length / 10);
  });

  it('compresses JSON answers over 1 KB and leaves small ones alone', async () => {
    const big = { items: Array.from({ length: 200 }, (_, i) => ({ i, text: 'some text that repeats' })) };
    const app = new Hono()
      .use(compressJson({ thresholdBytes: 1024 }))
      .get('/big', (c) => c.json(big))
      .get('/small', (c) => c.json({ ok: true }));
    const brotli = await app.request('/big', { headers: { 'Accept-Encoding': 'br;q=1, gzip;q=0.5' } });
    expect(brotli.headers.get('Content-Encoding')).toBe('br');
    expect(JSON.parse(brotliDecompressSync(Buffer.from(await brotli.arrayBuffer())).toString())).toEqual(big);
    const gzip = await app.request('/big', { headers: { 'Accept-Encoding': 'gzip, br;q=0' } });
    expect(gzip.headers.get('Content-Encoding')).toBe('gzip');
    expect(JSON.parse(gunzipSync(Buffer.from(await gzip.arrayBuffer())).toString())).toEqual(big);
    const none = await app.request('/big');
    expect(none.headers.get('Content-Encoding')).toBeNull();
    expect(await none.json()).toEqual(big);
    const small = await app.request('/small', { headers: { 'Accept-Encoding': 'br' } });
    expect(small.headers.get('Content-Encoding')).toBeNull();
    expect(small.headers.get('Vary')).toContain('Accept-Encoding');

    // And the API answers through it.
    const { client } = createTestApp(store);
    const config = await client.get('/api/config', { 'Accept-Encoding': 'br' });
    expect(config.headers.get('Vary')).toContain('Accept-Encoding');
    expect(configResponseSchema.safeParse(await config.json()).success).toBe(true);
  });
});

describe('the typed client', () => {
  const target = storeTargets()[0];
  if (!target) throw new Error('no store');
  const store = useTestStore(target);

  it('sees every route through AppType, with typed inputs and answers', async () => {
    const { app } = createTestApp(store());
    const client = testClient(app);
    const health = await client.api.health.$get();
    expect(await health.json()).toEqual({ status: 'ok', store: 'sqlite' });
    const kdf = await client.api.session.kdf.$post(
      { json: { name: 'typed-client' } },
      { headers: { 'X-Ringpost-Request': '1' } },
    );
    expect(kdfResponseSchema.parse(await kdf.json()).kdf.iterations).toBe(600_000);
    const session = await client.api.session.$get();
    expect(sessionResponseSchema.parse(await session.json())).toEqual({ account: null });
    expect((await client.api.identity.$get()).status).toBe(401);
    expect((await client.api.identity['community-name'].$post({ json: { communityName: 'x' } })).status).toBe(
      403,
    );
  });
});
