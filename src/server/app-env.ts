import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { AuthHasher } from './auth/auth-hash';
import type { BackgroundTasks } from './background';
import type { Clock } from './clock';
import type { Config } from './config';
import type { DecoyKeyGenerator } from './decoy-keys';
import type { Store } from './db/open-store';
import type { SessionAccount } from './db/sessions';
import { unauthenticated } from './errors';
import type { Logger } from './log';
import type { EventBus } from './push/event-bus';
import type { PushStreams } from './push/push-streams';
import type { RateLimiter } from './rate-limit';
import type { ServerKeyring } from './server-keys';

/** Everything the app needs from outside, so tests can hand in their own clock, store, limits and faults. */
export interface AppDeps {
  store: Store;
  clock: Clock;
  config: Config;
  rateLimiter: RateLimiter;
  hasher: AuthHasher;
  bus: EventBus;
  streams: PushStreams;
  /** The client's address (see client-address.ts): the socket's peer, or a trusted proxy's entry. */
  clientAddress: (c: Context) => string;
  log: Logger;
  /** Makes the directory's decoy keys; shared by the app and the pool job. */
  decoyKeys: DecoyKeyGenerator;
  /** Seals stored envelopes at rest. */
  keyring: ServerKeyring;
  /** Work done after an answer has gone (the invitee's notice). */
  tasks: BackgroundTasks;
  /** Null when this instance should be sent traffic, else why not (see readiness.ts). */
  readiness: () => Promise<string | null>;
}

/** The signed-in browser's session: its token (from the cookie), its key, and when it lapses. */
export interface ActiveSession {
  token: string;
  key: string;
  expiresAt: number;
}

export interface AppEnv {
  /** Node's request and response under @hono/node-server; absent when the app runs in-process (tests). */
  Bindings: Partial<HttpBindings>;
  Variables: {
    account: SessionAccount | null;
    session: ActiveSession | null;
  };
}

/** The session of a request that passed `requireAccount`. */
export function requireSession(c: Context<AppEnv>): ActiveSession {
  const session = c.get('session');
  if (!session) throw unauthenticated();
  return session;
}

export function requireAccount(c: Context<AppEnv>): SessionAccount {
  const account = c.get('account');
  if (!account) throw unauthenticated();
  return account;
}

/** Node's bindings when the app runs under @hono/node-server; `app.request()` passes no env at all. */
export function nodeBindings(c: Context<AppEnv>): Partial<HttpBindings> {
  const env: Partial<HttpBindings> | undefined = c.env;
  return env ?? {};
}
