import { client, xml, type Client, type Element } from '@xmpp/client';
import { inBatches } from '../messaging/ringpost-pairs';
import { Latches, type BenchPair } from '../messaging/workloads';
import { password, PROSODY_DOMAIN, userName } from './prosody-server';

// Prosody's side of the same workloads, as an XMPP client would do them: 1:1 `chat` messages with a
// delivery-receipt request (XEP-0184), which the recipient answers at once, as Ringpost's recipient
// acknowledges. Storage for an offline recipient is confirmed by Stream Management (XEP-0198): an ack
// for a stanza comes after Prosody has handled it, and mod_offline's SQLite write is synchronous.

const SM = 'urn:xmpp:sm:3';
const RECEIPTS = 'urn:xmpp:receipts';

async function login(n: number, port: number): Promise<Client> {
  const connection = client({
    service: `xmpp://127.0.0.1:${port}`,
    domain: PROSODY_DOMAIN,
    resource: 'bench',
    // @xmpp/client offers PLAIN only over TLS; loopback needs none, and its SCRAM is slow pure JS.
    credentials: (authenticate) => authenticate({ username: userName(n), password: password(n) }, 'PLAIN'),
  });
  connection.reconnect.stop();
  connection.on('error', () => undefined);
  await connection.start();
  // The same on the client's side: a message and its ack request are two writes.
  connection.socket?.setNoDelay(true);
  // Sending before Stream Management is on miscounts the acks, and Prosody then redelivers. 0.14 has no
  // event for it, and `start()` may resolve before the <enabled/> answer is in.
  const deadline = Date.now() + 5_000;
  while (!connection.streamManagement.enabled && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (!connection.streamManagement.enabled) throw new Error(`Stream management is off for ${userName(n)}.`);
  return connection;
}

class XmppPair implements BenchPair {
  readonly capacity: number;
  readonly #sender: Client;
  readonly #recipient: Client;
  readonly #recipientJid: string;
  readonly #prefix: string;
  readonly #stored = new Latches<number>();
  readonly #ackWanted = new Set<number>();
  readonly #received = new Latches<number>();
  readonly #delivered = new Latches<number>();

  constructor(sender: Client, recipient: Client, recipientJid: string, prefix: string, capacity: number) {
    this.#sender = sender;
    this.#recipient = recipient;
    this.#recipientJid = recipientJid;
    this.#prefix = prefix;
    this.capacity = capacity;
    sender.on('stanza', (stanza: Element) => {
      if (!stanza.is('message')) return;
      const receipt = stanza.getChild('received', RECEIPTS);
      const k = this.#keyOf(receipt?.attrs.id);
      if (k !== null) this.#delivered.settle(k);
    });
    sender.streamManagement.on('ack', (stanza: Element) => {
      const k = this.#keyOf(stanza.attrs.id);
      if (k !== null) this.#stored.settle(k);
    });
    recipient.on('stanza', (stanza: Element) => {
      if (!stanza.is('message') || !stanza.getChild('body')) return;
      const k = this.#keyOf(stanza.attrs.id);
      if (k === null) return;
      this.#received.settle(k);
      void recipient
        .send(
          xml(
            'message',
            { to: stanza.attrs.from },
            xml('received', { xmlns: RECEIPTS, id: stanza.attrs.id }),
          ),
        )
        .catch(() => undefined);
    });
  }

  #keyOf(id: unknown): number | null {
    if (typeof id !== 'string' || !id.startsWith(this.#prefix)) return null;
    const k = Number(id.slice(this.#prefix.length));
    return Number.isInteger(k) ? k : null;
  }

  async send(k: number): Promise<void> {
    const id = `${this.#prefix}${k}`;
    await this.#sender.send(
      xml(
        'message',
        { to: this.#recipientJid, type: 'chat', id },
        xml('body', {}, BENCH_BODY),
        xml('request', { xmlns: RECEIPTS }),
      ),
    );
    // Ask for the ack now: @xmpp/client's own request waits 250 ms, which would cap the rate, not Prosody.
    // Only where the workload waits on it: elsewhere it would be work Ringpost's path does not have.
    if (this.#ackWanted.delete(k)) await this.#sender.send(xml('r', { xmlns: SM }));
  }

  stored = (k: number) => {
    this.#ackWanted.add(k);
    return this.#stored.wait(k, 60_000, 'storing');
  };
  received = (k: number) => this.#received.wait(k, 60_000, 'arrival');
  delivered = (k: number) => this.#delivered.wait(k, 60_000, 'delivery');

  async connectRecipient(): Promise<void> {
    // The session is already signed in; initial presence is what makes it available, and mod_offline
    // then sends what it stored.
    await this.#recipient.send(xml('presence'));
  }

  async close(): Promise<void> {
    const closed = new Error('The pair was closed.');
    this.#stored.failAll(closed);
    this.#received.failAll(closed);
    this.#delivered.failAll(closed);
    await Promise.allSettled([this.#sender.stop(), this.#recipient.stop()]);
  }
}

/** 160 characters, as a full Ringpost message; XMPP carries the text itself, in the clear to the server. */
const BENCH_BODY = 'x'.repeat(160);

/**
 * `capacities.length` pairs of Prosody accounts `user-<2i>` → `user-<2i+1>`, all signed in; senders are
 * available, recipients not yet (`connectRecipient`).
 */
export async function xmppPairs(port: number, capacities: readonly number[]): Promise<XmppPair[]> {
  return inBatches(
    capacities.map((capacity, i) => ({ capacity, i })),
    8,
    async ({ capacity, i }) => {
      const sender = await login(2 * i, port);
      await sender.send(xml('presence'));
      const recipient = await login(2 * i + 1, port);
      return new XmppPair(sender, recipient, `${userName(2 * i + 1)}@${PROSODY_DOMAIN}`, `m${i}-`, capacity);
    },
  );
}
