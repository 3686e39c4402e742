import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { deriveAccountKeys } from '../../shared/crypto/account-keys';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/protocol/errors';
import type { KeyBits } from '../../shared/rules';
import { createApp, type AppType } from '../app';
import type { AppDeps } from '../app-env';
import { createAuthHasher, type AuthHasher } from '../auth/auth-hash';
import { manualClock } from '../clock';
import { defaultConfig, type Config } from '../config';
import { openStore, type Store } from '../db/open-store';
import { memoryLogger } from '../log';
import { inProcessEventBus } from '../push/event-bus';
import { createPushStreams } from '../push/push-streams';
import { flexibleRateLimiter } from '../rate-limit';
import { activationRequest } from './activation';

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

// The decoy hash takes a real scrypt run; one per test process is enough.
const hasherReady = createAuthHasher();
const sharedHasher: AuthHasher = {
  hash: async (authKey) => (await hasherReady).hash(authKey),
  verify: async (authKey, stored) => (await hasherReady).verify(authKey, stored),
};

export interface TestAppOptions {
  /** Replaces a dependency, e.g. a hasher that counts its calls. */
  deps?: Partial<Omit<AppDeps, 'store' | 'config'>>;
}

/**
 * The real app over a real store, with a manual clock, an in-memory log and rate limits counted the way
 * the store's kind counts them in production (memory for SQLite, the rate_limits table for PostgreSQL).
 */
export function createTestApp(store: Store, overrides: Partial<Config> = {}, options: TestAppOptions = {}) {
  const clock = manualClock();
  const config = defaultConfig(overrides);
  const { log, lines: logs } = memoryLogger();
  const bus = inProcessEventBus(log);
  const deps: AppDeps = {
    store,
    clock,
    config,
    rateLimiter: flexibleRateLimiter({ clock, pgPool: store.pgPool }),
    hasher: sharedHasher,
    bus,
    streams: createPushStreams({ bus, clock, keepAliveMs: config.keepAliveMs, log }),
    // Tests say who they are with a header; the real server reads the socket.
    clientAddress: (c) => c.req.header('X-Test-Address') ?? '203.0.113.1',
    log,
    ...options.deps,
  };
  const app: AppType = createApp(deps);
  return {
    app,
    deps,
    clock,
    config,
    logs,
    /** Lines logged at error level: a refused request must never produce one. */
    errorLogs: () => logs.filter((line) => line.level === 'error'),
    client: apiClient(app),
  };
}

/** A hasher that runs the real one and counts what it was asked. */
export function countingHasher(): AuthHasher & { verifies: (string | null)[]; hashes: number } {
  const real = sharedHasher;
  const verifies: (string | null)[] = [];
  const counter = {
    verifies,
    hashes: 0,
    hash: (authKey: string) => {
      counter.hashes += 1;
      return real.hash(authKey);
    },
    verify: (authKey: string, stored: string | null) => {
      verifies.push(stored);
      return real.verify(authKey, stored);
    },
  };
  return counter;
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

/** What the browser sends to create an account, with the floor's iteration count. */
export function signUpBody(name: string, authKey = randomAuthKey()) {
  return { name, authKey, kdfIterations: 600_000 };
}

/** A valid auth key as the browser would send it (32 random bytes, base64url). */
export function randomAuthKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What the browser uploads at activation, made with real keys: an RSA keypair, its fingerprint, and the
 * PKCS#8 sealed under a wrap key derived from a password (the server cannot open it, and never tries).
 */
export async function makeActivation(accountName: string, keyBits: KeyBits = 1024) {
  const { wrapKey } = await deriveAccountKeys(crypto, accountName, 'a test password', 600_000);
  return { ...(await activationRequest(accountName, wrapKey, keyBits)), wrapKey };
}
