import { expect } from 'vitest';
import type { ServerEvent } from '../../shared/protocol/events';
import { pendingMessagesResponseSchema, type EnvelopeV1 } from '../../shared/protocol/messages';
import { inviteResponseSchema, TERMS_VERSION } from '../../shared/protocol/ring';
import type { Store } from '../db/open-store';
import { testEnvelope } from './envelopes';
import { uniqueName } from './store-fixtures';
import { createTestApp, namedUser, type NamedUser } from './test-app';

/**
 * An app with people who can message each other: each named, with a key, and `members()` puts two in each
 * other's Ring. Envelopes are shaped like real ones (the server never opens them).
 */
export function messagingApp(store: Store, overrides: Parameters<typeof createTestApp>[1] = {}) {
  const testApp = createTestApp(store, overrides);
  const person = (prefix: string) => namedUser(testApp, uniqueName(prefix));
  /** The events each account was pushed, in order. */
  const listen = (...users: NamedUser[]) => {
    const seen = new Map<string, ServerEvent[]>(users.map((user) => [user.id, []]));
    for (const user of users) testApp.deps.bus.subscribe(user.id, (event) => seen.get(user.id)?.push(event));
    return (user: NamedUser) => seen.get(user.id) ?? [];
  };
  const envelope = (from: NamedUser, to: string, id?: string) =>
    testEnvelope({ from: from.communityName, to, fromFingerprint: from.fingerprint, ...(id ? { id } : {}) });
  const send = (from: NamedUser, env: EnvelopeV1) => from.client.post('/api/messages', { envelope: env });
  const pending = async (user: NamedUser) => {
    const response = await user.client.get('/api/messages/pending');
    expect(response.status).toBe(200);
    return pendingMessagesResponseSchema.parse(await response.json()).messages;
  };
  /** alice and bob, members of each other's Ring. */
  const members = async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    await alice.client.post('/api/ring/terms', { version: TERMS_VERSION });
    const sent = await alice.client.post('/api/ring/invites', { communityName: bob.communityName });
    const { id } = inviteResponseSchema.parse(await sent.json()).invite;
    const accepted = await bob.client.post(`/api/ring/invites/${id}/accept`, {
      fingerprint: alice.fingerprint,
    });
    expect(accepted.status).toBe(200);
    await testApp.deps.tasks.idle();
    return { alice, bob };
  };
  return { ...testApp, person, listen, envelope, send, pending, members };
}
