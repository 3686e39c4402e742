import type { Context } from 'hono';
import type { SessionAccount } from './auth/sessions';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Store } from './db/open-store';
import { unauthenticated } from './errors';
import type { RateLimiter } from './rate-limit';

export interface AppDeps {
  store: Store;
  clock: Clock;
  config: Config;
  rateLimiter: RateLimiter;
  /** The peer's address for per-address limits; the Node adapter's socket by default. */
  clientAddress: (c: Context) => string;
  log: (line: string) => void;
}

export interface AppEnv {
  Variables: {
    account: SessionAccount | null;
    sessionToken: string | null;
  };
}

export function requireAccount(c: Context<AppEnv>): SessionAccount {
  const account = c.get('account');
  if (!account) throw unauthenticated();
  return account;
}
