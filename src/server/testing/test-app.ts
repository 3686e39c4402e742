import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/protocol/errors';
import { inviteResponseSchema, TERMS_VERSION } from '../../shared/protocol/ring';
import type { KeyBits } from '../../shared/rules';
import { createApp, type AppType } from '../app';
import type { AppDeps } from '../app-env';
import { createAuthHasher, type AuthHasher } from '../auth/auth-hash';
import { findAccountByName } from '../db/accounts';
import { sessionDeadline } from '../db/sessions';
import { sessionLimits } from '../middleware/session';
import { rsaDecoyKeyGenerator, type DecoyKeyGenerator } from '../decoy-keys';
import { manualClock } from '../clock';
import { defaultConfig, type Config } from '../config';
import { openStore, type Store } from '../db/open-store';
import { memoryLogger } from '../log';
import { inProcessEventBus } from '../push/event-bus';
import { createPushStreams } from '../push/push-streams';
import { createJobRunner } from '../jobs';
import { flexibleRateLimiter } from '../rate-limit';
import { ringJobs } from '../ring-jobs';
import { backgroundTasks } from '../background';
import { readiness } from '../readiness';
import { messageJobs } from '../message-jobs';
import { generateServerKey, serverKeyring } from '../server-keys';
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
  // Tests that move the clock on by hours or days stand for people who keep using the app meanwhile: the
  // idle limit is as long as the TTL here unless a test sets it (its own tests do).
  // No answer floors either, unless a test sets them: time stands still here, so a floor would never end.
  const config = defaultConfig({
    sessionIdleMs: overrides.sessionTtlMs ?? defaultConfig().sessionTtlMs,
    answerFloorMs: { accountName: 0, communityName: 0 },
    inviteNoticeJitterMs: 0,
    ...overrides,
  });
  const { log, lines: logs } = memoryLogger();
  const bus = options.deps?.bus ?? inProcessEventBus(log);
  const decoyKeys = options.deps?.decoyKeys ?? rsaDecoyKeyGenerator();
  const deps: AppDeps = {
    store,
    clock,
    config,
    rateLimiter: flexibleRateLimiter({ clock, pgPool: store.pgPool }),
    hasher: sharedHasher,
    bus,
    streams: createPushStreams({
      bus,
      clock,
      keepAliveMs: config.keepAliveMs,
      log,
      renew: (key) => sessionDeadline(store.db, key, clock.now(), sessionLimits(config)),
    }),
    // Tests say who they are with a header; the real server reads the socket.
    clientAddress: (c) => c.req.header('X-Test-Address') ?? '203.0.113.1',
    log,
    decoyKeys,
    // A fresh server key per app unless the config names one (tests of rotation do).
    keyring: serverKeyring(config.serverKeys ?? [generateServerKey()]),
    tasks: backgroundTasks(log),
    readiness: readiness({ store, bus, draining: () => false }),
    ...options.deps,
  };
  const app: AppType = createApp(deps);
  // The Ring of Trust's sweeps on this app's clock, never started: a test runs one with runNow.
  const jobs = createJobRunner({
    clock,
    log,
    jobs: [
      ...ringJobs({ db: store.db, clock, config, log, decoyKeys }),
      ...messageJobs({ db: store.db, bus, clock, config, log, keyring: deps.keyring }),
    ],
  });
  return {
    app,
    deps: { ...deps, jobs },
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
 * PKCS#8 sealed under a wrap key (the server cannot open it, and never tries).
 */
export async function makeActivation(accountName: string, keyBits: KeyBits = 1024) {
  // A random key of the kind the password derives (AES-GCM-256, not extractable): to the server the backup
  // is opaque bytes either way, and 600,000 PBKDF2 rounds per activation were most of the route tests' time
  // (account-keys.test.ts and the end-to-end suite derive it from a password as the browser does).
  const wrapKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  return { ...(await activationRequest(accountName, wrapKey, keyBits)), wrapKey };
}

/** The real decoy-key generator (1024-bit keys take milliseconds), counting the keys it made. */
export function countingDecoyKeys(): DecoyKeyGenerator & { made: number } {
  const real = rsaDecoyKeyGenerator();
  const counter = {
    made: 0,
    generate: (bits: number) => {
      counter.made += 1;
      return real.generate(bits);
    },
  };
  return counter;
}

async function expectStatus(response: Response, status: number, step: string): Promise<void> {
  if (response.status !== status) {
    throw new Error(`${step} answered ${response.status}, not ${status}: ${await response.text()}`);
  }
}

let namedUsers = 0;

/**
 * A person the Ring of Trust can see, in a browser of their own: signed up, sharing activated with a real
 * 1024-bit key, and `name` claimed as both account and community name. The wrap key is a random AES key
 * rather than one derived from a password, which the server cannot tell and tests need not wait for.
 */
export async function namedUser(testApp: { app: Fetchable; deps: Pick<AppDeps, 'store'> }, name: string) {
  const client = apiClient(testApp.app);
  // Each from an address of its own: on PostgreSQL the per-address limits count across a suite's apps.
  const address = { 'X-Test-Address': `198.18.${(++namedUsers >> 8) & 255}.${namedUsers & 255}` };
  await expectStatus(await client.post('/api/accounts', signUpBody(name), address), 201, 'Signing up');
  const wrapKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  const { request } = await activationRequest(name, wrapKey);
  await expectStatus(await client.post('/api/identity', request, address), 201, 'Activating');
  await expectStatus(
    await client.post('/api/identity/community-name', { communityName: name }, address),
    200,
    'Claiming the community name',
  );
  const account = await findAccountByName(testApp.deps.store.db, name);
  if (!account) throw new Error(`The account ${name} is missing.`);
  return {
    id: account.id,
    client,
    communityName: name,
    publicKey: request.publicKey,
    fingerprint: request.fingerprint,
    keyBits: request.keyBits,
  };
}

export type NamedUser = Awaited<ReturnType<typeof namedUser>>;

let enumerationRuns = 0;

/**
 * The six kinds of name the enumeration rule (DESIGN §5) must answer alike, as seen by one caller who has
 * accepted the terms: a real name, an unknown one, one who declined the caller's invite, one the caller
 * has invited already, a member of the caller's Ring, and the caller's own. The names share one length, so
 * answers can be compared byte for byte.
 */
export async function enumerationCases(testApp: { app: Fetchable; deps: Pick<AppDeps, 'store'> }) {
  const suffix = `-${process.pid}-${++enumerationRuns}`;
  const named = (tag: string) => namedUser(testApp, `${tag}${suffix}`);
  const [caller, real, decliner, invited, member] = await Promise.all(
    ['selfy', 'realx', 'decln', 'invtd', 'membr'].map(named),
  );
  if (!caller || !real || !decliner || !invited || !member) throw new Error('A named user is missing.');
  const terms = { version: TERMS_VERSION };
  await expectStatus(await caller.client.post('/api/ring/terms', terms), 200, 'Accepting the terms');
  const invite = async (to: string) => {
    const response = await caller.client.post('/api/ring/invites', { communityName: to });
    await expectStatus(response, 202, 'Inviting');
    return inviteResponseSchema.parse(await response.json()).invite;
  };
  const declined = await invite(decliner.communityName);
  await expectStatus(
    await decliner.client.post(`/api/ring/invites/${declined.id}/decline`),
    204,
    'Declining',
  );
  await invite(invited.communityName);
  const toMember = await invite(member.communityName);
  await expectStatus(
    await member.client.post(`/api/ring/invites/${toMember.id}/accept`, { fingerprint: caller.fingerprint }),
    200,
    'Accepting',
  );
  return {
    caller,
    cases: {
      real: real.communityName,
      unknown: `unkno${suffix}`,
      declined: decliner.communityName,
      alreadyInvited: invited.communityName,
      member: member.communityName,
      self: caller.communityName,
    },
  };
}

/**
 * What an observer sees of an answer: status, every header (bar Date) and the body's length, plus the body
 * with `normalize` applied (replace what must differ, such as ids and keys, before comparing).
 */
export async function observedAnswer(
  response: Response,
  normalize: (body: string) => string = (body) => body,
) {
  const body = await response.text();
  const headers = [...response.headers.entries()].filter(([name]) => name.toLowerCase() !== 'date');
  return { status: response.status, headers, length: Buffer.byteLength(body), body: normalize(body) };
}
