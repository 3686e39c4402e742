import type { Kysely } from 'kysely';

// Times are integer milliseconds since the epoch in both stores (bigint in PostgreSQL, parsed back to
// number by the pool), so the clock the app is given is the only source of time.

export interface AccountsTable {
  id: string;
  /** Normalized account name (NFKC, lower case). */
  name: string;
  /** scrypt hash of the auth key, never the key itself. */
  auth_hash: string;
  /** PBKDF2 rounds this account's browser derives with; returned before sign-in. */
  kdf_iterations: number;
  created_at: number;
}

export interface SessionsTable {
  /** SHA-256 of the session token: a leaked table does not hand out live sessions. */
  token_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
}

export interface IdentitiesTable {
  account_id: string;
  /** Normalized community name; null until claimed, then never changed. */
  community_name: string | null;
  /** SubjectPublicKeyInfo DER, base64url. */
  public_key: string;
  /** SHA-256 of the SPKI DER, 64 hex digits. */
  fingerprint: string;
  key_bits: number;
  /** JSON of the key backup {v, iv, ct}: PKCS#8 under the owner's wrap key, which the server never has. */
  key_backup: string;
  activated_at: number;
  named_at: number | null;
}

/** rate-limiter-flexible's own layout (PostgreSQL only). */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: number | null;
}

export interface Database {
  accounts: AccountsTable;
  sessions: SessionsTable;
  identities: IdentitiesTable;
  rate_limits: RateLimitsTable;
}

export type Db = Kysely<Database>;
export type StoreKind = 'sqlite' | 'postgres';
