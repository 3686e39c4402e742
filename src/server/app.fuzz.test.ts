import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CSRF_HEADER, errorBodySchema } from '../shared/protocol/errors';
import { defaultConfig, type Config } from './config';
import { createSession } from './db/sessions';
import { EVENT_STREAM_HEADERS } from './push/sinks';
import { storeDigest } from './testing/store-digest';
import {
  createTestApp,
  makeActivation,
  randomAuthKey,
  signUpBody,
  storeTargets,
  useTestStore,
} from './testing/test-app';

// DESIGN §5: bad input gets a clear 4xx with a JSON body, never a 500 and never a logged failure. Every
// route the app has is sent generated requests, signed out and signed in: the route list is read from the
// app, and the field names from the shared protocol schemas, so new routes and fields are fuzzed unasked.

/** Cases per route, each sent signed out and signed in: `npm run soak` (RINGPOST_SOAK=1) sends 1,000. */
const RUNS_PER_ROUTE = process.env.RINGPOST_SOAK === '1' ? 1_000 : 200;

/** What the run sent, printed at the end: the soak's report quotes it. */
const sent = { routes: new Set<string>(), requests: 0, serverErrors: 0, refused: 0 };

interface Route {
  method: string;
  path: string;
}

/** Every handler the app answers, as Hono lists them. */
async function appRoutes(): Promise<Route[]> {
  const [target] = storeTargets();
  if (!target) throw new Error('No store target.');
  const { store, cleanup } = await target.open();
  try {
    const routes = new Map<string, Route>();
    for (const { method, path } of createTestApp(store).app.routes) {
      // Middleware sits on wildcard paths ("/*", "/api/*"). A handler is listed once per middleware chained
      // in front of it, hence the map.
      if (path.includes('*')) continue;
      routes.set(`${method} ${path}`, { method, path });
    }
    return [...routes.values()];
  } finally {
    await cleanup();
  }
}

/** Every object key in the shared protocol's zod schemas, nested ones included. */
async function protocolFieldNames(): Promise<string[]> {
  const dir = fileURLToPath(new URL('../shared/protocol/', import.meta.url));
  const names = new Set<string>();
  const seen = new Set<z.ZodType>();
  const visit = (value: unknown): void => {
    if (!(value instanceof z.ZodType) || seen.has(value)) return;
    seen.add(value);
    if (value instanceof z.ZodObject) {
      for (const [key, field] of Object.entries(value.shape)) {
        names.add(key);
        visit(field);
      }
    }
    // Wrappers (optional, pipe, array, union…) keep their inner schemas in their definition.
    for (const part of Object.values(value.def)) [part].flat().forEach(visit);
  };
  for (const file of readdirSync(dir).filter((name) => /(?<!\.test)\.ts$/.test(name))) {
    const module = (await import(join(dir, file))) as Record<string, unknown>;
    Object.values(module).forEach(visit);
  }
  return [...names];
}

const routes = await appRoutes();
const activation = await makeActivation('fuzz-sample');
/** Valid bodies of today's routes; mutated one field at a time they reach past the first check. */
const samples: Record<string, unknown>[] = [
  signUpBody('fuzz-sample'),
  { name: 'fuzz-sample', authKey: randomAuthKey() },
  activation.request,
  { communityName: 'fuzz-sample' },
];
const fieldNames = [
  ...new Set([
    ...(await protocolFieldNames()),
    ...samples.flatMap((sample) => Object.keys(sample)),
    ...Object.keys(activation.request.backup),
  ]),
];

// Values of every JSON type, and the strings that break naive code: NUL, lone surrogates, sizes near the
// body limit (in two-byte characters, so characters and bytes disagree).
const awkwardString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ufeff', '../..', '%00', '__proto__'),
  fc.integer({ min: 1_000, max: 40_000 }).map((n) => 'é'.repeat(n)),
);
const anyValue = fc.oneof(
  awkwardString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);
const fieldValue = fc.oneof(
  anyValue,
  // The nested backup object with some of its own fields wrong.
  fc
    .dictionary(fc.constantFrom(...Object.keys(activation.request.backup)), anyValue, { maxKeys: 3 })
    .map((wrong) => ({ ...activation.request.backup, ...wrong })),
);
const nearValid = fc
  .record({
    sample: fc.constantFrom(...samples),
    wrong: fc.dictionary(fc.constantFrom(...fieldNames), fieldValue, { minKeys: 1, maxKeys: 3 }),
    dropped: fc.subarray(fieldNames, { maxLength: 2 }),
  })
  .map(({ sample, wrong, dropped }) => {
    const body: Record<string, unknown> = { ...sample, ...wrong };
    for (const name of dropped) delete body[name];
    return JSON.stringify(body);
  });
const deeplyNested = fc
  .tuple(fc.integer({ min: 100, max: 20_000 }), fc.boolean())
  .map(([depth, array]) =>
    array ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );
const body = fc.oneof(
  fc.json(),
  fc.anything().map((value) => JSON.stringify(value) ?? 'undefined'),
  { arbitrary: nearValid, weight: 4 },
  fc.string({ unit: 'binary', maxLength: 200 }),
  deeplyNested,
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => JSON.stringify({ name: 'x'.repeat(n) })),
  fc.json().map((text) => text.slice(0, Math.ceil(text.length / 2))),
  fc.constant(undefined),
);
const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=utf-16',
      'application/merge-patch+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ),
    fc.string(),
  ),
  { nil: undefined },
);
const request = fc.record({
  body,
  contentType,
  // Mostly the right value, so most requests get past the CSRF check to the validators.
  csrf: fc.oneof(
    { arbitrary: fc.constant<string | undefined>('1'), weight: 3 },
    fc.constantFrom(undefined, '0', '', 'true'),
  ),
  // How the body's end is announced: as Node's server sees a plain or a streamed upload, or not at all.
  framing: fc.constantFrom('length', 'chunked', 'none'),
  query: fc.option(fc.webQueryParameters(), { nil: undefined }),
  pathParam: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
});
type GeneratedRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** The fetch Request that `generated` describes for `route`. */
function toRequest(route: Route, generated: GeneratedRequest, cookie: string | null): [string, RequestInit] {
  // A future handler for every method is sent as POST; a path parameter gets a generated segment.
  const method = route.method === 'ALL' ? 'POST' : route.method;
  const path = route.path.replace(/:[^/]+/g, () => encodeURIComponent(generated.pathParam));
  const headers: Record<string, string> = {};
  if (generated.contentType !== undefined) headers['Content-Type'] = generated.contentType;
  if (generated.csrf !== undefined) headers[CSRF_HEADER] = generated.csrf;
  if (cookie) headers.Cookie = cookie;
  // fetch refuses a body on GET and HEAD; those routes get the headers and query string only.
  const sent = method === 'GET' || method === 'HEAD' ? undefined : generated.body;
  if (sent !== undefined && generated.framing === 'length') {
    headers['Content-Length'] = String(Buffer.byteLength(sent));
  }
  if (sent !== undefined && generated.framing === 'chunked') headers['Transfer-Encoding'] = 'chunked';
  const url = generated.query === undefined ? path : `${path}?${generated.query}`;
  return [url, { method, headers, body: sent ?? null }];
}

/** The Server-Sent Events stream never ends by itself: its answer is judged by status and headers. */
const STREAM_PATHS = new Set(['/api/events']);

/** The answer is a success, or a 4xx in the error shape; a stream is checked by its headers, then closed. */
async function expectCleanAnswer(route: Route, response: Response, label: string) {
  sent.requests += 1;
  if (response.status >= 500) sent.serverErrors += 1;
  expect(response.status, label).toBeLessThan(500);
  const type = response.headers.get('Content-Type') ?? '';
  if (type.startsWith('text/event-stream') || (STREAM_PATHS.has(route.path) && response.ok)) {
    expect(response.status, label).toBe(200);
    for (const [name, value] of Object.entries(EVENT_STREAM_HEADERS)) {
      expect(response.headers.get(name), `${label}: ${name}`).toBe(value);
    }
    await response.body?.cancel();
    return;
  }
  const text = await response.text();
  if (response.ok) return;
  expect(type, label).toMatch(/^application\/json/);
  const parsed = errorBodySchema.safeParse(JSON.parse(text));
  expect(parsed.success, `${label}: ${text.slice(0, 200)}`).toBe(true);
  // A refusal's code matches its status: a bad request is a 400, never a 409 or a 404 in disguise.
  const code = parsed.data?.error.code;
  if (code === 'invalid_request' || code === 'malformed_json') expect(response.status, label).toBe(400);
}

const unlimited = Object.fromEntries(
  Object.keys(defaultConfig().rateLimits).map((name) => [name, { limit: 1_000_000, windowMs: 60_000 }]),
) as Config['rateLimits'];

it('finds the routes to fuzz in the app itself', () => {
  // A guard on the enumeration: if Hono listed routes differently, the fuzz below would quietly shrink.
  expect(routes).toEqual(
    expect.arrayContaining([
      { method: 'GET', path: '/api/health' },
      { method: 'POST', path: '/api/accounts' },
      { method: 'DELETE', path: '/api/session' },
      { method: 'POST', path: '/api/identity' },
      { method: 'GET', path: '/api/events' },
    ]),
  );
  expect(fieldNames).toEqual(expect.arrayContaining(['name', 'authKey', 'publicKey', 'communityName', 'iv']));
});

afterAll(() => {
  console.log(
    `fuzz: ${sent.routes.size} route × store pairs, ${RUNS_PER_ROUTE} cases each signed out and in; ` +
      `${sent.requests} requests, ${sent.refused} refused with the store unchanged, ${sent.serverErrors} 5xx`,
  );
});

describe.each(storeTargets())('every route on $kind, with generated input', (target) => {
  const store = useTestStore(target);
  let account: { id: string; cookieName: string };

  beforeAll(async () => {
    const { client } = createTestApp(store());
    const name = `fuzz-${process.pid}-${target.kind}`;
    expect((await client.post('/api/accounts', signUpBody(name))).status).toBe(201);
    const [cookieName] = (client.cookie ?? '').split('=');
    const row = await store()
      .db.selectFrom('accounts')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (!cookieName || !row) throw new Error('Signing up did not give a session.');
    account = { id: row.id, cookieName };
  });

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers every request with a success or a JSON 4xx',
    async (_name, route) => {
      sent.routes.add(`${target.kind} ${route.method} ${route.path}`);
      const { app, clock, config, deps, errorLogs } = createTestApp(store(), {
        rateLimits: unlimited,
        signInSlowdownMs: 0,
      });
      const newSession = async () =>
        `${account.cookieName}=${await createSession(store().db, account.id, clock.now(), config.sessionTtlMs)}`;
      const signedIn = async (cookie: string) => {
        const session = await app.request('/api/session', { headers: { Cookie: cookie } });
        return ((await session.json()) as { account: unknown }).account !== null;
      };
      let cookie = await newSession();
      // Otherwise the signed-in half would quietly be a second signed-out half.
      expect(await signedIn(cookie)).toBe(true);

      await fc.assert(
        fc.asyncProperty(request, async (generated) => {
          for (const withSession of [false, true]) {
            const label = `${route.method} ${route.path} signed ${withSession ? 'in' : 'out'}`;
            // Only this request's lines: while shrinking, earlier failures' lines are still in the log.
            const logged = errorLogs().length;
            // Work an earlier answer left behind (an invitee's notice) lands before the snapshot.
            await deps.tasks.idle();
            const before = await storeDigest(store());
            const response = await app.request(...toRequest(route, generated, withSession ? cookie : null));
            await expectCleanAnswer(route, response, label);
            expect(errorLogs().slice(logged), label).toEqual([]);
            if (response.status >= 400) {
              sent.refused += 1;
              await deps.tasks.idle();
              // A refused request changes nothing but the counters that count refusals.
              expect(await storeDigest(store()), `${label}: the store changed`).toBe(before);
            }
            // An answer that sets the cookie may have ended the session (signing out does); the next run
            // starts signed in again.
            if (withSession && response.headers.has('Set-Cookie') && !(await signedIn(cookie))) {
              cookie = await newSession();
            }
          }
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    },
    // Sign-up and sign-in run a real scrypt for most of their cases.
    RUNS_PER_ROUTE * 100,
  );
});
