-- migrations
0001_accounts
0002_identities
0003_kdf_per_account_and_rate_limits
0004_ring
0005_messages_and_events
0006_history
0007_history_reads
0008_session_idle
-- columns
accounts.auth_hash text not null
accounts.created_at bigint not null
accounts.id text not null
accounts.kdf_iterations integer not null default 600000
accounts.name text not null
decoy_keys.assigned_at bigint
decoy_keys.assigned_name text
decoy_keys.created_at bigint not null
decoy_keys.fingerprint text not null
decoy_keys.key_bits integer not null
decoy_keys.public_key text not null
event_heads.account_id text not null
event_heads.appended_at bigint not null
events.account_id text not null
events.created_at bigint not null
events.payload text not null
events.seq bigint not null
events.type text not null
history_reads.account_id text not null
history_reads.event_key text not null
history_reads.read_at bigint not null
identities.account_id text not null
identities.activated_at bigint not null
identities.community_name text
identities.fingerprint text not null
identities.key_backup text not null
identities.key_bits integer not null
identities.named_at bigint
identities.public_key text not null
invites.created_at bigint not null
invites.declined_at bigint
invites.expires_at bigint not null
invites.from_account_id text not null
invites.id text not null
invites.to_name text not null
invites.withdrawn_at bigint
message_reads.account_id text not null
message_reads.message_id text not null
message_reads.read_at bigint not null
message_reads.sender_id text not null
message_stars.account_id text not null
message_stars.message_id text not null
message_stars.sender_id text not null
message_stars.slot integer not null
message_stars.starred_at bigint not null
messages.accepted_at bigint not null
messages.delivered_at bigint
messages.expires_at bigint not null
messages.fail_reason text
messages.failed_at bigint
messages.id text not null
messages.key_version integer not null
messages.recipient_id text
messages.recipient_name text not null
messages.sealed text not null
messages.sender_id text not null
pin_blobs.account_id text not null
pin_blobs.blob text not null
pin_blobs.updated_at bigint not null
pin_blobs.version integer not null
rate_limits.expire bigint
rate_limits.key character varying not null
rate_limits.points integer not null default 0
ring_members.added_at bigint not null
ring_members.invited_by_owner integer not null
ring_members.member_id text not null
ring_members.owner_id text not null
sessions.account_id text not null
sessions.created_at bigint not null
sessions.expires_at bigint not null
sessions.last_seen_at bigint not null default 0
sessions.token_hash text not null
terms_acceptances.accepted_at bigint not null
terms_acceptances.account_id text not null
terms_acceptances.terms_version integer not null
-- constraints
accounts PRIMARY KEY (id)
accounts UNIQUE (name)
decoy_keys PRIMARY KEY (fingerprint)
decoy_keys UNIQUE (assigned_name)
event_heads FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
event_heads PRIMARY KEY (account_id)
events FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
events PRIMARY KEY (seq)
history_reads FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
history_reads PRIMARY KEY (account_id, event_key)
identities FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
identities PRIMARY KEY (account_id)
identities UNIQUE (community_name)
identities UNIQUE (fingerprint)
invites FOREIGN KEY (from_account_id) REFERENCES accounts(id) ON DELETE CASCADE
invites PRIMARY KEY (id)
invites UNIQUE (from_account_id, to_name)
message_reads FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
message_reads PRIMARY KEY (account_id, sender_id, message_id)
message_stars FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
message_stars PRIMARY KEY (account_id, slot)
message_stars UNIQUE (account_id, sender_id, message_id)
messages FOREIGN KEY (recipient_id) REFERENCES accounts(id) ON DELETE CASCADE
messages FOREIGN KEY (sender_id) REFERENCES accounts(id) ON DELETE CASCADE
messages PRIMARY KEY (sender_id, id)
pin_blobs FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
pin_blobs PRIMARY KEY (account_id)
rate_limits PRIMARY KEY (key)
ring_members FOREIGN KEY (member_id) REFERENCES accounts(id) ON DELETE CASCADE
ring_members FOREIGN KEY (owner_id) REFERENCES accounts(id) ON DELETE CASCADE
ring_members PRIMARY KEY (owner_id, member_id)
sessions FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
sessions PRIMARY KEY (token_hash)
terms_acceptances FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
terms_acceptances PRIMARY KEY (account_id, terms_version)
-- indexes
CREATE UNIQUE INDEX accounts_name_key ON accounts USING btree (name)
CREATE UNIQUE INDEX accounts_pkey ON accounts USING btree (id)
CREATE UNIQUE INDEX decoy_keys_assigned_name_key ON decoy_keys USING btree (assigned_name)
CREATE UNIQUE INDEX decoy_keys_pkey ON decoy_keys USING btree (fingerprint)
CREATE UNIQUE INDEX event_heads_pkey ON event_heads USING btree (account_id)
CREATE INDEX events_account_seq ON events USING btree (account_id, seq)
CREATE INDEX events_created_at ON events USING btree (created_at)
CREATE UNIQUE INDEX events_pkey ON events USING btree (seq)
CREATE UNIQUE INDEX history_reads_pk ON history_reads USING btree (account_id, event_key)
CREATE INDEX history_reads_read_at ON history_reads USING btree (read_at)
CREATE UNIQUE INDEX identities_community_name_key ON identities USING btree (community_name)
CREATE UNIQUE INDEX identities_fingerprint_key ON identities USING btree (fingerprint)
CREATE UNIQUE INDEX identities_pkey ON identities USING btree (account_id)
CREATE INDEX invites_expires_at ON invites USING btree (expires_at)
CREATE UNIQUE INDEX invites_from_to ON invites USING btree (from_account_id, to_name)
CREATE UNIQUE INDEX invites_pkey ON invites USING btree (id)
CREATE INDEX invites_to_name ON invites USING btree (to_name)
CREATE UNIQUE INDEX message_reads_pk ON message_reads USING btree (account_id, sender_id, message_id)
CREATE INDEX message_stars_by_message ON message_stars USING btree (sender_id, message_id)
CREATE UNIQUE INDEX message_stars_message ON message_stars USING btree (account_id, sender_id, message_id)
CREATE UNIQUE INDEX message_stars_pk ON message_stars USING btree (account_id, slot)
CREATE INDEX messages_accepted_at ON messages USING btree (accepted_at)
CREATE INDEX messages_expires_at ON messages USING btree (expires_at)
CREATE UNIQUE INDEX messages_pk ON messages USING btree (sender_id, id)
CREATE INDEX messages_recipient ON messages USING btree (recipient_id, accepted_at)
CREATE UNIQUE INDEX pin_blobs_pkey ON pin_blobs USING btree (account_id)
CREATE UNIQUE INDEX rate_limits_pkey ON rate_limits USING btree (key)
CREATE INDEX ring_members_member_id ON ring_members USING btree (member_id)
CREATE UNIQUE INDEX ring_members_pk ON ring_members USING btree (owner_id, member_id)
CREATE INDEX sessions_account_id ON sessions USING btree (account_id)
CREATE INDEX sessions_expires_at ON sessions USING btree (expires_at)
CREATE UNIQUE INDEX sessions_pkey ON sessions USING btree (token_hash)
CREATE UNIQUE INDEX terms_acceptances_pk ON terms_acceptances USING btree (account_id, terms_version)
