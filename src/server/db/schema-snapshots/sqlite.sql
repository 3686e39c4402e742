-- migrations
0001_accounts
0002_identities
0003_kdf_per_account_and_rate_limits
0004_ring
0005_messages_and_events
0006_history
0007_history_reads
0008_session_idle
-- index events_account_seq
CREATE INDEX "events_account_seq" on "events" ("account_id", "seq")
-- index events_created_at
CREATE INDEX "events_created_at" on "events" ("created_at")
-- index history_reads_read_at
CREATE INDEX "history_reads_read_at" on "history_reads" ("read_at")
-- index invites_expires_at
CREATE INDEX "invites_expires_at" on "invites" ("expires_at")
-- index invites_to_name
CREATE INDEX "invites_to_name" on "invites" ("to_name")
-- index message_stars_by_message
CREATE INDEX "message_stars_by_message" on "message_stars" ("sender_id", "message_id")
-- index messages_accepted_at
CREATE INDEX "messages_accepted_at" on "messages" ("accepted_at")
-- index messages_expires_at
CREATE INDEX "messages_expires_at" on "messages" ("expires_at")
-- index messages_recipient
CREATE INDEX "messages_recipient" on "messages" ("recipient_id", "accepted_at")
-- index ring_members_member_id
CREATE INDEX "ring_members_member_id" on "ring_members" ("member_id")
-- index sessions_account_id
CREATE INDEX "sessions_account_id" on "sessions" ("account_id")
-- index sessions_expires_at
CREATE INDEX "sessions_expires_at" on "sessions" ("expires_at")
-- table accounts
CREATE TABLE "accounts" ("id" text primary key, "name" text not null unique, "auth_hash" text not null, "created_at" bigint not null, "kdf_iterations" integer default 600000 not null)
-- table decoy_keys
CREATE TABLE "decoy_keys" ("fingerprint" text primary key, "public_key" text not null, "key_bits" integer not null, "created_at" bigint not null, "assigned_name" text unique, "assigned_at" bigint)
-- table event_heads
CREATE TABLE "event_heads" ("account_id" text primary key references "accounts" ("id") on delete cascade, "appended_at" bigint not null)
-- table events
CREATE TABLE "events" ("seq" integer primary key autoincrement, "account_id" text not null references "accounts" ("id") on delete cascade, "type" text not null, "payload" text not null, "created_at" bigint not null)
-- table history_reads
CREATE TABLE "history_reads" ("account_id" text not null references "accounts" ("id") on delete cascade, "event_key" text not null, "read_at" bigint not null, constraint "history_reads_pk" primary key ("account_id", "event_key"))
-- table identities
CREATE TABLE "identities" ("account_id" text primary key references "accounts" ("id") on delete cascade, "community_name" text unique, "public_key" text not null, "fingerprint" text not null unique, "key_bits" integer not null, "key_backup" text not null, "activated_at" bigint not null, "named_at" bigint)
-- table invites
CREATE TABLE "invites" ("id" text primary key, "from_account_id" text not null references "accounts" ("id") on delete cascade, "to_name" text not null, "created_at" bigint not null, "expires_at" bigint not null, "declined_at" bigint, "withdrawn_at" bigint, constraint "invites_from_to" unique ("from_account_id", "to_name"))
-- table message_reads
CREATE TABLE "message_reads" ("account_id" text not null references "accounts" ("id") on delete cascade, "sender_id" text not null, "message_id" text not null, "read_at" bigint not null, constraint "message_reads_pk" primary key ("account_id", "sender_id", "message_id"))
-- table message_stars
CREATE TABLE "message_stars" ("account_id" text not null references "accounts" ("id") on delete cascade, "slot" integer not null, "sender_id" text not null, "message_id" text not null, "starred_at" bigint not null, constraint "message_stars_pk" primary key ("account_id", "slot"), constraint "message_stars_message" unique ("account_id", "sender_id", "message_id"))
-- table messages
CREATE TABLE "messages" ("id" text not null, "sender_id" text not null references "accounts" ("id") on delete cascade, "recipient_name" text not null, "recipient_id" text references "accounts" ("id") on delete cascade, "sealed" text not null, "key_version" integer not null, "accepted_at" bigint not null, "expires_at" bigint not null, "delivered_at" bigint, "failed_at" bigint, "fail_reason" text, constraint "messages_pk" primary key ("sender_id", "id"))
-- table pin_blobs
CREATE TABLE "pin_blobs" ("account_id" text primary key references "accounts" ("id") on delete cascade, "blob" text not null, "version" integer not null, "updated_at" bigint not null)
-- table rate_limits
CREATE TABLE "rate_limits" ("key" varchar(255) primary key, "points" integer default 0 not null, "expire" bigint)
-- table ring_members
CREATE TABLE "ring_members" ("owner_id" text not null references "accounts" ("id") on delete cascade, "member_id" text not null references "accounts" ("id") on delete cascade, "added_at" bigint not null, "invited_by_owner" integer not null, constraint "ring_members_pk" primary key ("owner_id", "member_id"))
-- table sessions
CREATE TABLE "sessions" ("token_hash" text primary key, "account_id" text not null references "accounts" ("id") on delete cascade, "created_at" bigint not null, "expires_at" bigint not null, "last_seen_at" bigint default 0 not null)
-- table terms_acceptances
CREATE TABLE "terms_acceptances" ("account_id" text not null references "accounts" ("id") on delete cascade, "terms_version" integer not null, "accepted_at" bigint not null, constraint "terms_acceptances_pk" primary key ("account_id", "terms_version"))
