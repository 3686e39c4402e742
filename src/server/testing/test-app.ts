import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { deriveAccountKeys } from '../../shared/crypto/account-keys';
import { toBase64Url } from '../../shared/crypto/encoding';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';
import { sealKeyBackup } from '../../shared/crypto/key-backup';
import { randomBytesFrom } from '../../shared/crypto/random';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/protocol/errors';
import { createApp } from '../app';
import { manualClock } from '../clock';
import { defaultConfig, type Config } from '../config';
import { openStore, type Store } from '../db/open-store';
import { memoryRateLimiter } from '../rate-limit';

// Test support for API suites: a real store (a throwaway SQLite file, or a throwaway PostgreSQL schema when
// TEST_DATABASE_URL is set), a clock the test moves, and helpers that speak the API as the browser does.

export interface StoreTarget {
  kind: 'sqlite' | 'postgres';
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

export function storeTargets(): StoreTarget[] {
  const targets: StoreTarget[] = [
    {
      kind: 'sqlite',
      async open() {
        const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-test-'));
        const store = await openStore({ dataDir });
        return {
          store,
          async cleanup() {
            await store.close();
            rmSync(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    targets.push({
      kind: 'postgres',
      async open() {
        const schema = `test_${randomBytes(6).toString('hex')}`;
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query(`CREATE SCHEMA ${schema}`);
        await admin.end();
        const store = await openStore({ databaseUrl: url, dataDir: tmpdir(), pgSchema: schema });
        return {
          store,
          async cleanup() {
            await store.close();
            const dropper = new pg.Client({ connectionString: url });
            await dropper.connect();
            await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
            await dropper.end();
          },
        };
      },
    });
  }
  return targets;
}

/** Opens the target's store before the suite and removes it after; call inside describe. */
export function useTestStore(target: StoreTarget): () => Store {
  let opened: { store: Store; cleanup: () => Promise<void> } | null = null;
  beforeAll(async () => {
    opened = await target.open();
  });
  afterAll(async () => {
    await opened?.cleanup();
  });
  return () => {
    if (!opened) throw new Error('The test store is not open yet.');
    return opened.store;
  };
}

export function createTestApp(store: Store, overrides: Partial<Config> = {}) {
  const clock = manualClock();
  const config = defaultConfig(overrides);
  const logs: string[] = [];
  const app = createApp({
    store,
    clock,
    config,
    rateLimiter: memoryRateLimiter(clock),
    // Tests say who they are with a header; the real server reads the socket.
    clientAddress: (c) => c.req.header('X-Test-Address') ?? '203.0.113.1',
    log: (line) => logs.push(line),
  });
  return { app, clock, config, logs, client: apiClient(app) };
}

type Fetchable = { request: (path: string, init?: RequestInit) => Response | Promise<Response> };

/** Speaks to the app like the SPA does: JSON bodies, the CSRF header, and a cookie jar of one session. */
export function apiClient(app: Fetchable, cookie: string | null = null) {
  let jar = cookie;
  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await app.request(path, {
      method,
      headers: {
        ...(method === 'GET' ? {} : { [CSRF_HEADER]: CSRF_HEADER_VALUE }),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(jar ? { Cookie: jar } : {}),
        ...headers,
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const setCookie = response.headers.get('Set-Cookie');
    if (setCookie) {
      const pair = setCookie.split(';')[0] ?? '';
      jar = pair.endsWith('=') ? null : pair;
    }
    return response;
  }
  return {
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send('POST', path, body, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string>) => send('PUT', path, body, headers),
    delete: (path: string, headers?: Record<string, string>) => send('DELETE', path, undefined, headers),
    get cookie() {
      return jar;
    },
    /** A second client with no cookies, as another browser. */
    fresh: () => apiClient(app),
  };
}

/** A valid auth key as the browser would send it (32 random bytes, base64url). */
export function randomAuthKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What the browser uploads at activation, made with real keys: an RSA keypair, its fingerprint, and the
 * PKCS#8 sealed under a wrap key derived from a password (the server cannot open it, and never tries).
 */
export async function makeActivation(accountName: string, keyBits: 1024 | 2048 | 3072 = 1024) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: keyBits,
    publicExponent: 65_537,
  });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  const fingerprint = await fingerprintSpki(crypto.subtle, spki);
  const { wrapKey } = await deriveAccountKeys(crypto.subtle, accountName, 'a test password', 600_000);
  const backup = await sealKeyBackup(crypto.subtle, randomBytesFrom(crypto), {
    accountName,
    fingerprint,
    wrapKey,
    pkcs8,
  });
  return { request: { publicKey: toBase64Url(spki), fingerprint, keyBits, backup }, pkcs8, wrapKey };
}
