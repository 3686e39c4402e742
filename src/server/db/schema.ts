import type { Generated, Kysely } from 'kysely';

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
  /** The last request seen with it, to the minute: past the idle limit the session lapses. */
  last_seen_at: number;
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

/** Which version of the terms an account accepted, and when; the first acceptance is kept. */
export interface TermsAcceptancesTable {
  account_id: string;
  terms_version: number;
  accepted_at: number;
}

/**
 * One row per (inviter, name typed). `to_name` is a normalized community name, never an account id: the
 * name may not exist, and writing an invite never looks it up. A declined row stays for good (withdrawn or
 * not) so a later invite from the same person silently never reaches the invitee again.
 */
export interface InvitesTable {
  /** 16 random bytes, base64url; replaced each time the invite is sent again. */
  id: string;
  from_account_id: string;
  to_name: string;
  created_at: number;
  expires_at: number;
  declined_at: number | null;
  /** Set when the inviter cancels an invite that was declined, which keeps the decline; otherwise deleted. */
  withdrawn_at: number | null;
}

/** Membership is mutual: always two rows, one per side. */
export interface RingMembersTable {
  owner_id: string;
  member_id: string;
  added_at: number;
  /** 1 when the owner sent the invite the member accepted, else 0. */
  invited_by_owner: number;
}

/**
 * Public halves of RSA keys handed out for names nobody holds (DESIGN §5). The private half is dropped the
 * moment the key is made. Unassigned rows are the pool; a name, once given a key, keeps it for good.
 */
export interface DecoyKeysTable {
  /** SHA-256 of the SPKI DER, 64 hex digits. */
  fingerprint: string;
  /** SubjectPublicKeyInfo DER, base64url. */
  public_key: string;
  key_bits: number;
  created_at: number;
  /** Normalized community name; null while the key waits in the pool. */
  assigned_name: string | null;
  assigned_at: number | null;
}

/** The account's pinned fingerprints, sealed in the browser with the wrap key; opaque here. */
export interface PinBlobsTable {
  account_id: string;
  /** JSON of {v, iv, ct}. */
  blob: string;
  /** Starts at 1 and goes up by one per write: the compare-and-set token. */
  version: number;
  updated_at: number;
}

/** rate-limiter-flexible's own layout (PostgreSQL only). */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: number | null;
}

/**
 * One sent message, held until its recipient acknowledges it or the hold runs out. Keyed by sender and the
 * envelope's id, which makes a resend idempotent. The envelope itself is only ever stored sealed.
 */
export interface MessagesTable {
  /** The envelope's id (16 random bytes from the sender's browser, base64url). */
  id: string;
  sender_id: string;
  /** The envelope's `to`, a normalized community name. */
  recipient_name: string;
  /** Null when the message was accepted and dropped: unknown name, decoy, or someone the sender may not write to. */
  recipient_id: string | null;
  /** base64url(iv ‖ AES-256-GCM ciphertext ‖ tag) of the envelope's JSON under the server key; '' once destroyed. */
  sealed: string;
  /** Which server key sealed it. */
  key_version: number;
  accepted_at: number;
  /** accepted_at + the hold. */
  expires_at: number;
  delivered_at: number | null;
  failed_at: number | null;
  fail_reason: string | null;
}

/** A starred message of an account's: kept past retention, one of five slots (DESIGN §1.7). */
export interface MessageStarsTable {
  account_id: string;
  /** 1 to 5. */
  slot: number;
  sender_id: string;
  message_id: string;
  starred_at: number;
}

/** When an account first opened a message, so its other browsers show it read too. */
export interface MessageReadsTable {
  account_id: string;
  sender_id: string;
  message_id: string;
  read_at: number;
}

/** An account opened one of History's other events (not a message), named by the browser's key for it. */
export interface HistoryReadsTable {
  account_id: string;
  event_key: string;
  read_at: number;
}

/** The push channel's log: what each account was sent, numbered for `Last-Event-ID`. */
export interface EventsTable {
  seq: Generated<number>;
  account_id: string;
  type: string;
  /** The event's JSON; for a message, only a reference to its row (the envelope stays sealed there). */
  payload: string;
  created_at: number;
}

/** Locked by each append to an account's log, so its events commit in the order of their numbers. */
export interface EventHeadsTable {
  account_id: string;
  appended_at: number;
}

export interface Database {
  messages: MessagesTable;
  message_stars: MessageStarsTable;
  message_reads: MessageReadsTable;
  history_reads: HistoryReadsTable;
  events: EventsTable;
  event_heads: EventHeadsTable;
  accounts: AccountsTable;
  sessions: SessionsTable;
  identities: IdentitiesTable;
  rate_limits: RateLimitsTable;
  terms_acceptances: TermsAcceptancesTable;
  invites: InvitesTable;
  ring_members: RingMembersTable;
  decoy_keys: DecoyKeysTable;
  pin_blobs: PinBlobsTable;
}

export type Db = Kysely<Database>;
export type StoreKind = 'sqlite' | 'postgres';
