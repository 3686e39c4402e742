import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { deriveAccountKeys } from '../../shared/crypto/account-keys';
import { configResponseSchema } from '../../shared/protocol/config';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/protocol/errors';
import { identityResponseSchema } from '../../shared/protocol/identity';
import { ringResponseSchema, TERMS_VERSION } from '../../shared/protocol/ring';
import { activationRequest } from './activation';

// One browser's worth of API access over real HTTP with Node's fetch: the CSRF header on writes and a
// cookie jar of one session, as the SPA has. The bench and the tests of several instances use it.

export interface ApiSession {
  readonly origin: string;
  readonly cookie: string | null;
  get(path: string): Promise<Response>;
  post(path: string, body?: unknown): Promise<Response>;
  /**
   * A POST for the measured workloads, on node:http with kept-alive sockets: fetch costs the generator
   * several times more CPU per request, and a busy generator would be measured as a slow server.
   */
  postQuick(path: string, body?: unknown): Promise<{ status: number; text: string }>;
  /** The same browser sent to another instance (a load balancer's choice): the session's cookie goes too. */
  at(origin: string): ApiSession;
}

const keptAlive = new Agent({ keepAlive: true, maxSockets: Infinity });

function quickPost(
  url: URL,
  cookie: string | null,
  body: unknown,
): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? null : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        agent: keptAlive,
        headers: {
          [CSRF_HEADER]: CSRF_HEADER_VALUE,
          ...(payload === null ? {} : { 'Content-Type': 'application/json' }),
          'Content-Length': payload === null ? 0 : Buffer.byteLength(payload),
          ...(cookie ? { Cookie: cookie } : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload ?? undefined);
  });
}

export function apiSession(origin: string, cookie: string | null = null): ApiSession {
  let jar = cookie;
  async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: {
        ...(method === 'GET' ? {} : { [CSRF_HEADER]: CSRF_HEADER_VALUE }),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(jar ? { Cookie: jar } : {}),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const pair = setCookie.split(';')[0] ?? '';
      jar = pair.endsWith('=') ? null : pair;
    }
    return response;
  }
  return {
    origin,
    get cookie() {
      return jar;
    },
    get: (path) => send('GET', path),
    post: (path, body) => send('POST', path, body),
    postQuick: (path, body) => quickPost(new URL(path, origin), jar, body),
    at: (other) => apiSession(other, jar),
  };
}

/** Reads the body either way, so the connection goes back to the pool; throws on any other status. */
export async function expectStatus(response: Response, status: number, step: string): Promise<void> {
  const text = await response.text();
  if (response.status !== status)
    throw new Error(`${step} answered ${response.status}, not ${status}: ${text}`);
}

export interface BenchPerson {
  accountName: string;
  /** For signing in through the UI (bench/history-ui.ts). */
  password: string;
  communityName: string;
  fingerprint: string;
  /** SubjectPublicKeyInfo DER, base64url, as published. */
  publicKey: string;
  /** The private key the browser would hold, for sealing real envelopes. */
  pkcs8: Uint8Array;
}

/**
 * Signs up, activates sharing with a real 1024-bit key and claims a community name, as
 * e2e/support/fixtures.ts createSharingPerson does (the same derivation and backup format as the browser).
 */
export async function createBenchPerson(
  session: ApiSession,
  prefix: string,
  { termsAccepted = false }: { termsAccepted?: boolean } = {},
): Promise<BenchPerson> {
  const accountName = `${prefix}-${randomBytes(4).toString('hex')}`;
  const password = `correct horse ${randomBytes(6).toString('base64url')} staple`;
  const configResponse = await session.get('/api/config');
  const config = configResponseSchema.parse(await configResponse.json());
  const { authKey, wrapKey } = await deriveAccountKeys(crypto, accountName, password, config.kdf.iterations);
  await expectStatus(
    await session.post('/api/accounts', { name: accountName, authKey, kdfIterations: config.kdf.iterations }),
    201,
    'Signing up',
  );
  const { request, pkcs8 } = await activationRequest(accountName, wrapKey, 1024);
  await expectStatus(await session.post('/api/identity', request), 201, 'Activating');
  const claimed = await session.post('/api/identity/community-name', {
    communityName: `${prefix}.${randomBytes(3).toString('hex')}`,
  });
  if (claimed.status !== 200) await expectStatus(claimed, 200, 'Claiming the community name');
  const { identity } = identityResponseSchema.parse(await claimed.json());
  const communityName = identity?.communityName;
  if (!communityName) throw new Error('The claimed community name is missing from the answer.');
  if (termsAccepted) {
    await expectStatus(
      await session.post('/api/ring/terms', { version: TERMS_VERSION }),
      200,
      'Accepting the terms',
    );
  }
  return {
    accountName,
    password,
    communityName,
    fingerprint: request.fingerprint,
    publicKey: request.publicKey,
    pkcs8,
  };
}

/** Alice invites Bob, Bob accepts with the fingerprint he was shown: now Alice may write to him. */
export async function joinRings(
  alice: ApiSession,
  bob: ApiSession,
  bobName: string,
  aliceFingerprint: string,
) {
  await expectStatus(await alice.post('/api/ring/invites', { communityName: bobName }), 202, 'Inviting');
  // The invitee is told after the inviter's answer has gone, so the invite shows up a moment later.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ring = ringResponseSchema.parse(await (await bob.get('/api/ring')).json());
    const invite = ring.received[0];
    if (invite) {
      await expectStatus(
        await bob.post(`/api/ring/invites/${invite.id}/accept`, { fingerprint: aliceFingerprint }),
        200,
        'Accepting the invite',
      );
      return;
    }
    if (Date.now() > deadline) throw new Error('The invite never reached its recipient.');
    await new Promise((done) => setTimeout(done, 20));
  }
}
