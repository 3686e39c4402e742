import { webCryptoEnv } from '../../src/shared/crypto/crypto-env';
import { fromBase64Url } from '../../src/shared/crypto/encoding';
import { sealEnvelope } from '../../src/shared/crypto/envelope-v1';
import { importRsaPrivateKeys, importRsaPublicKeys } from '../../src/shared/crypto/webcrypto-keys';
import type { EnvelopeV1 } from '../../src/shared/protocol/messages';
import {
  apiSession,
  createBenchPerson,
  joinRings,
  type ApiSession,
} from '../../src/server/testing/http-session';
import { openEventStream, type EventStream, type SseFrame } from '../../src/server/testing/sse-reader';
import { Latches, type BenchPair } from './workloads';

// Ringpost's side of the messaging workloads: each pair is two real accounts with real 1024-bit keys in
// each other's rings, talking to the server over loopback HTTP as two browsers would: the sender POSTs
// sealed envelopes and reads its push channel for `delivered`; the recipient reads its push channel and
// acknowledges each message at once, as the client does once the message is stored.

/** About what a person types in one message; every envelope pads to the same 1,024 bytes anyway. */
export const BENCH_TEXT =
  'Landed safely, the train was late but the view over the lake made up for it. See you Sunday?';

/** Light reads of the two frames the workloads wait on: zod on every frame would load the generator. */
function messageRef(data: unknown): { from: string; id: string } | null {
  if (typeof data !== 'object' || data === null || !('message' in data)) return null;
  const { message } = data;
  if (typeof message !== 'object' || message === null || !('envelope' in message)) return null;
  const { envelope } = message;
  if (typeof envelope !== 'object' || envelope === null) return null;
  if (!('id' in envelope) || !('from' in envelope)) return null;
  const { id, from } = envelope;
  return typeof id === 'string' && typeof from === 'string' ? { from, id } : null;
}

function deliveredId(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || !('update' in data)) return null;
  const { update } = data;
  if (typeof update !== 'object' || update === null || !('id' in update) || !('status' in update))
    return null;
  return update.status === 'delivered' && typeof update.id === 'string' ? update.id : null;
}

function parseData(frame: SseFrame): unknown {
  try {
    return JSON.parse(frame.data);
  } catch {
    return null;
  }
}

/** Runs `task` over `items` with at most `limit` at once: sign-ups are CPU work on both ends. */
export async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as T);
      }
    }),
  );
  return results;
}

class RingpostPair implements BenchPair {
  readonly capacity: number;
  readonly #sender: ApiSession;
  readonly #recipient: ApiSession;
  readonly #envelopes: EnvelopeV1[];
  readonly #keyOf = new Map<string, number>();
  readonly #stored = new Latches<number>();
  readonly #received = new Latches<number>();
  readonly #delivered = new Latches<number>();
  readonly #streams: EventStream[] = [];
  readonly #acks: Promise<void>[] = [];
  #failure: Error | null = null;

  constructor(sender: ApiSession, recipient: ApiSession, envelopes: EnvelopeV1[]) {
    this.#sender = sender;
    this.#recipient = recipient;
    this.#envelopes = envelopes;
    this.capacity = envelopes.length;
    envelopes.forEach((envelope, k) => this.#keyOf.set(envelope.id, k));
  }

  async openSenderStream() {
    this.#streams.push(
      await openEventStream(this.#sender, (frame) => {
        if (frame.event !== 'message.status') return;
        const id = deliveredId(parseData(frame));
        const k = id === null ? undefined : this.#keyOf.get(id);
        if (k !== undefined) this.#delivered.settle(k);
      }),
    );
  }

  async send(k: number): Promise<void> {
    const envelope = this.#envelopes[k];
    if (!envelope) throw new Error(`No sealed message ${k}.`);
    const answer = await this.#sender.postQuick('/api/messages', { envelope });
    if (answer.status !== 202) throw new Error(`Sending answered ${answer.status}: ${answer.text}`);
    this.#stored.settle(k);
  }

  stored = (k: number) => this.#stored.wait(k, 60_000, 'storing');
  received = (k: number) => this.#received.wait(k, 60_000, 'arrival');
  delivered = (k: number) => this.#delivered.wait(k, 60_000, 'delivery');

  async connectRecipient(): Promise<void> {
    this.#streams.push(
      await openEventStream(this.#recipient, (frame) => {
        if (frame.event !== 'message') return;
        const ref = messageRef(parseData(frame));
        const k = ref === null ? undefined : this.#keyOf.get(ref.id);
        if (ref === null || k === undefined) return;
        this.#received.settle(k);
        const path = `/api/messages/${encodeURIComponent(ref.from)}/${ref.id}/ack`;
        this.#acks.push(
          this.#recipient.postQuick(path).then(
            (answer) => {
              if (answer.status !== 204)
                throw new Error(`Acknowledging answered ${answer.status}: ${answer.text}`);
            },
            (error: unknown) => {
              this.#failure ??= error instanceof Error ? error : new Error(String(error));
            },
          ),
        );
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#acks);
    for (const stream of this.#streams) stream.close();
    const closed = new Error('The pair was closed.');
    this.#stored.failAll(closed);
    this.#received.failAll(closed);
    this.#delivered.failAll(closed);
    if (this.#failure) throw this.#failure;
  }
}

/**
 * `count` pairs of fresh accounts on the server at `origin`, each with `capacity[i]` envelopes sealed in
 * advance and the sender's push channel open; recipients come online with `connectRecipient`. With
 * `recipientOrigin`, recipients use that instance instead (several instances on one PostgreSQL).
 */
export async function ringpostPairs(
  origin: string,
  capacities: readonly number[],
  recipientOrigin: string = origin,
): Promise<RingpostPair[]> {
  const env = webCryptoEnv(crypto);
  const made = await inBatches(capacities, 4, async (capacity) => {
    const sender = apiSession(origin);
    const recipient = apiSession(recipientOrigin);
    const from = await createBenchPerson(sender, 'sender', { termsAccepted: true });
    const to = await createBenchPerson(recipient, 'recipient');
    await joinRings(sender, recipient, to.communityName, from.fingerprint);
    const { signKey } = await importRsaPrivateKeys(env, from.pkcs8);
    const fromKeys = await importRsaPublicKeys(env, fromBase64Url(from.publicKey));
    const toKeys = await importRsaPublicKeys(env, fromBase64Url(to.publicKey));
    const envelopes: EnvelopeV1[] = [];
    for (let k = 0; k < capacity; k++) {
      envelopes.push(
        await sealEnvelope(env, {
          from: from.communityName,
          to: to.communityName,
          ts: Date.now(),
          text: BENCH_TEXT,
          senderSignKey: signKey,
          senderPublicKey: fromKeys.encryptKey,
          recipientPublicKey: toKeys.encryptKey,
          senderFingerprint: from.fingerprint,
          recipientFingerprint: to.fingerprint,
        }),
      );
    }
    const pair = new RingpostPair(sender, recipient, envelopes);
    await pair.openSenderStream();
    return pair;
  });
  return made;
}
