import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pendingMessagesResponseSchema, sendMessageResponseSchema } from '../shared/protocol/messages';
import { openStore, type Store } from './db/open-store';
import { generateServerKey } from './server-keys';
import { testEnvelope } from './testing/envelopes';
import { messagingApp } from './testing/messaging';
import { apiClient } from './testing/test-app';

// A model of one mailbox (alice writes to bob) against the real app on a real SQLite file: sends, resends
// of the same envelope (the outbox after a lost answer), acknowledgements, repeated and unknown ones,
// reconnects (what a new stream offers first is the pending list) and restarts (the store closed and
// opened again). After every step the server must agree with the model.

const RUNS = process.env.RINGPOST_SOAK === '1' ? 300 : 40;

interface Model {
  /** Accepted and not yet acknowledged, in the order they were sent. */
  pending: string[];
  delivered: Set<string>;
  /** Every id sent, with the time its first acceptance gave. */
  accepted: Map<string, number>;
}

/** The pending list as the server gives it: oldest acceptance first, ties (one millisecond) by id. */
function expectedPending(model: Readonly<Model>): string[] {
  const at = (id: string) => model.accepted.get(id) ?? 0;
  return [...model.pending].sort((a, b) => at(a) - at(b) || (a < b ? -1 : a > b ? 1 : 0));
}

type Client = ReturnType<typeof apiClient>;

interface Real {
  alice: Client;
  bob: Client;
  aliceName: string;
  aliceFingerprint: string;
  bobName: string;
  bobFingerprint: string;
  envelopes: Map<string, ReturnType<typeof testEnvelope>>;
  restart(): Promise<void>;
}

async function pendingIds(real: Real): Promise<string[]> {
  const response = await real.bob.get('/api/messages/pending');
  expect(response.status).toBe(200);
  return pendingMessagesResponseSchema.parse(await response.json()).messages.map((m) => m.envelope.id);
}

class Send implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    const envelope = testEnvelope({
      from: real.aliceName,
      to: real.bobName,
      fromFingerprint: real.aliceFingerprint,
      toFingerprint: real.bobFingerprint,
    });
    const response = await real.alice.post('/api/messages', { envelope });
    expect(response.status).toBe(202);
    const { message } = sendMessageResponseSchema.parse(await response.json());
    real.envelopes.set(envelope.id, envelope);
    model.accepted.set(envelope.id, message.acceptedAt);
    model.pending.push(envelope.id);
  }
  toString = () => 'send';
}

/** The outbox sends an envelope again when the first answer was lost: nothing new is stored. */
class Resend implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.accepted.size > 0;
  async run(model: Model, real: Real) {
    const id = [...model.accepted.keys()][this.pick % model.accepted.size] ?? '';
    const response = await real.alice.post('/api/messages', { envelope: real.envelopes.get(id) });
    expect(response.status).toBe(202);
    const { message } = sendMessageResponseSchema.parse(await response.json());
    expect(message.acceptedAt).toBe(model.accepted.get(id));
  }
  toString = () => `resend #${this.pick}`;
}

class Ack implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.pending.length > 0;
  async run(model: Model, real: Real) {
    const [id = ''] = model.pending.splice(this.pick % model.pending.length, 1);
    const response = await real.bob.post(`/api/messages/${real.aliceName}/${id}/ack`);
    expect(response.status).toBe(204);
    model.delivered.add(id);
  }
  toString = () => `ack #${this.pick}`;
}

/** A second acknowledgement (another tab, a retried request) is answered alike and changes nothing. */
class AckAgain implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.delivered.size > 0;
  async run(model: Model, real: Real) {
    const id = [...model.delivered][this.pick % model.delivered.size] ?? '';
    expect((await real.bob.post(`/api/messages/${real.aliceName}/${id}/ack`)).status).toBe(204);
  }
  toString = () => `ack again #${this.pick}`;
}

class AckUnknown implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_model: Model, real: Real) {
    const id = randomBytes(16).toString('base64url');
    expect((await real.bob.post(`/api/messages/${real.aliceName}/${id}/ack`)).status).toBe(404);
  }
  toString = () => 'ack unknown';
}

/** What a new stream offers first, whatever its Last-Event-ID: everything not yet acknowledged. */
class Reconnect implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    expect(await pendingIds(real)).toEqual(expectedPending(model));
  }
  toString = () => 'reconnect';
}

class Restart implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    await real.restart();
    expect(await pendingIds(real)).toEqual(expectedPending(model));
  }
  toString = () => 'restart';
}

const commands = [
  fc.constant(new Send()),
  fc.nat().map((pick) => new Resend(pick)),
  fc.nat().map((pick) => new Ack(pick)),
  fc.nat().map((pick) => new AckAgain(pick)),
  fc.constant(new AckUnknown()),
  fc.constant(new Reconnect()),
  fc.constant(new Restart()),
];

describe('the mailbox against its model', () => {
  it('agrees after any sequence of sends, resends, acknowledgements, reconnects and restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-model-'));
    // One server key for every restart: a new one could not open what the last one sealed.
    const overrides = { serverKeys: [generateServerKey()] };
    let store: Store = await openStore({ dataDir });
    try {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
          const testApp = messagingApp(store, overrides);
          const { alice, bob } = await testApp.members();
          const real: Real = {
            alice: alice.client,
            bob: bob.client,
            aliceName: alice.communityName,
            aliceFingerprint: alice.fingerprint,
            bobName: bob.communityName,
            bobFingerprint: bob.fingerprint,
            envelopes: new Map(),
            async restart() {
              await store.close();
              store = await openStore({ dataDir });
              const { app } = messagingApp(store, overrides);
              real.alice = apiClient(app, real.alice.cookie);
              real.bob = apiClient(app, real.bob.cookie);
            },
          };
          const model: Model = { pending: [], delivered: new Set(), accepted: new Map() };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          // Whatever happened, the end state agrees too.
          expect(await pendingIds(real)).toEqual(expectedPending(model));
        }),
        { numRuns: RUNS },
      );
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
