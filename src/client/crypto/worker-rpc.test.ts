import { describe, expect, it } from 'vitest';
import { webCryptoEnv } from '../../shared/crypto/crypto-env';
import { forgeRsa } from '../../shared/crypto/forge-lib';
import { handleCryptoMessage } from '../workers/crypto-handler';
import { errorReply, progressReply } from './operation-protocol';
import {
  cryptoProtocol,
  type ActivateResult,
  type CryptoOperations,
  type CryptoRequest,
} from './worker-protocol';
import { CryptoClientError, connectWorker, type WorkerHandlers, type WorkerPort } from './worker-rpc';

type Port = WorkerPort<CryptoOperations>;
const connectCryptoWorker = (createWorker: (handlers: WorkerHandlers) => Port) =>
  connectWorker(cryptoProtocol, createWorker);
const activateReply = (id: number, result: ActivateResult) =>
  cryptoProtocol.resultReply(id, 'activate', result);
const restoreReply = (id: number, result: { decryptKey: CryptoKey; signKey: CryptoKey }) =>
  cryptoProtocol.resultReply(id, 'restore', result);

const { subtle } = globalThis.crypto;
const wrapKey = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

/** A stand-in worker: records what the client posts and lets the test answer as the worker would. */
function fakeWorker() {
  const posted: CryptoRequest[] = [];
  const workers: { handlers: WorkerHandlers; terminated: boolean }[] = [];
  const createWorker = (handlers: WorkerHandlers): Port => {
    const worker = { handlers, terminated: false };
    workers.push(worker);
    return {
      postMessage: (request) => posted.push(structuredClone(request)),
      terminate: () => {
        worker.terminated = true;
      },
    };
  };
  const reply = (data: unknown) => workers.at(-1)?.handlers.onMessage(structuredClone(data));
  return { posted, workers, createWorker, reply };
}

const activateResult: ActivateResult = {
  spki: 'MIIB',
  fingerprint: 'ab'.repeat(32),
  bits: 1024,
  backup: { v: 1, iv: 'AAAAAAAAAAAAAAAA', ct: 'AAAA' },
  decryptKey: wrapKey,
  signKey: wrapKey,
  generateMs: 12,
  keygenPath: 'webcrypto',
};

describe('connectWorker with the crypto table', () => {
  it('starts the worker lazily, once', async () => {
    const fake = fakeWorker();
    const client = connectCryptoWorker(fake.createWorker);
    expect(fake.workers).toHaveLength(0);
    const first = client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' });
    const second = client.call('activate', { bits: 2048, wrapKey, accountName: 'alice' });
    expect(fake.workers).toHaveLength(1);
    expect(fake.posted.map((request) => [request.id, request.type])).toEqual([
      [1, 'activate'],
      [2, 'activate'],
    ]);
    fake.reply(activateReply(1, activateResult));
    fake.reply(activateReply(2, { ...activateResult, bits: 2048 }));
    expect((await first).bits).toBe(1024);
    expect((await second).bits).toBe(2048);
  });

  it('matches replies by id, in any order, and reports progress to the right caller', async () => {
    const fake = fakeWorker();
    const client = connectCryptoWorker(fake.createWorker);
    const progressA: string[] = [];
    const progressB: string[] = [];
    const a = client.call(
      'activate',
      { bits: 1024, wrapKey, accountName: 'alice' },
      { onProgress: (p) => progressA.push(p.stage) },
    );
    const b = client.call(
      'restore',
      {
        backup: activateResult.backup,
        wrapKey,
        accountName: 'alice',
        spki: 'MIIB',
        fingerprint: 'ab'.repeat(32),
      },
      { onProgress: (p) => progressB.push(p.stage) },
    );
    fake.reply(progressReply(1, 'started', 0));
    fake.reply(restoreReply(2, { decryptKey: wrapKey, signKey: wrapKey }));
    fake.reply(progressReply(1, 'done', 15));
    fake.reply(activateReply(1, activateResult));
    await expect(b).resolves.toMatchObject({ decryptKey: { type: 'secret' } });
    await expect(a).resolves.toMatchObject({ fingerprint: 'ab'.repeat(32), generateMs: 12 });
    expect(progressA).toEqual(['started', 'done']);
    expect(progressB).toEqual([]);
  });

  it('rejects with the worker error code', async () => {
    const fake = fakeWorker();
    const client = connectCryptoWorker(fake.createWorker);
    const call = client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' });
    fake.reply(errorReply(1, 'unsupported_key_size', 'no'));
    await expect(call).rejects.toEqual(new CryptoClientError('unsupported_key_size', 'no'));
    await expect(call).rejects.toBeInstanceOf(CryptoClientError);
  });

  it('ignores malformed, unknown-id and repeated replies', async () => {
    const fake = fakeWorker();
    const client = connectCryptoWorker(fake.createWorker);
    const call = client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' });
    fake.reply({ id: 1, kind: 'result' });
    fake.reply('hello');
    fake.reply(activateReply(99, activateResult));
    fake.reply(activateReply(1, activateResult));
    fake.reply(errorReply(1, 'internal', 'late'));
    await expect(call).resolves.toMatchObject({ bits: 1024 });
  });

  it('refuses a reply of the wrong type for the call', async () => {
    const fake = fakeWorker();
    const client = connectCryptoWorker(fake.createWorker);
    const call = client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' });
    fake.reply(restoreReply(1, { decryptKey: wrapKey, signKey: wrapKey }));
    await expect(call).rejects.toMatchObject({ code: 'internal' });
  });

  it('rejects every pending call when the worker fails, then starts a new one', async () => {
    const fake = fakeWorker();
    const client = connectCryptoWorker(fake.createWorker);
    const a = client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' });
    const b = client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' });
    fake.workers[0]?.handlers.onError('Uncaught SyntaxError');
    await expect(a).rejects.toMatchObject({ code: 'worker_failed', message: 'Uncaught SyntaxError' });
    await expect(b).rejects.toMatchObject({ code: 'worker_failed' });
    expect(fake.workers[0]?.terminated).toBe(true);

    const c = client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' });
    expect(fake.workers).toHaveLength(2);
    fake.reply(activateReply(3, activateResult));
    await expect(c).resolves.toMatchObject({ bits: 1024 });
  });

  it('terminate() stops the worker and rejects pending calls', async () => {
    const fake = fakeWorker();
    const client = connectCryptoWorker(fake.createWorker);
    const call = client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' });
    client.terminate();
    await expect(call).rejects.toMatchObject({ code: 'terminated' });
    expect(fake.workers[0]?.terminated).toBe(true);
  });

  it('rejects, without leaking a pending call, when the request cannot be posted', async () => {
    const client = connectCryptoWorker(() => ({
      postMessage: () => {
        throw new DOMException('could not be cloned', 'DataCloneError');
      },
      terminate: () => undefined,
    }));
    await expect(
      client.call('activate', { bits: 1024, wrapKey, accountName: 'alice' }),
    ).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});

describe('connectWorker with the real crypto worker logic in-process', () => {
  const env = { ...webCryptoEnv(globalThis.crypto), forge: forgeRsa, now: () => performance.now() };
  // Structured clones both ways, as between a page and a worker.
  const inProcess = (handlers: WorkerHandlers): Port => ({
    postMessage: (request) =>
      void handleCryptoMessage(env, structuredClone(request), (reply) =>
        handlers.onMessage(structuredClone(reply)),
      ),
    terminate: () => undefined,
  });

  it('activates, then restores the same keys from the backup', async () => {
    const client = connectCryptoWorker(inProcess);
    const stages: string[] = [];
    const activated = await client.call(
      'activate',
      { bits: 1024, wrapKey, accountName: 'alice' },
      { onProgress: (p) => stages.push(p.stage) },
    );
    expect(stages[0]).toBe('started');
    expect(stages.at(-1)).toBe('done');
    expect(activated.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(activated.decryptKey.extractable).toBe(false);
    expect(activated.signKey.extractable).toBe(false);
    expect(activated.generateMs).toBeGreaterThan(0);

    const restored = await client.call('restore', {
      backup: activated.backup,
      wrapKey,
      accountName: 'alice',
      spki: activated.spki,
      fingerprint: activated.fingerprint,
    });
    expect(restored.decryptKey.extractable).toBe(false);
    expect(restored.decryptKey.algorithm).toMatchObject({ name: 'RSA-OAEP' });
    expect(restored.signKey.algorithm).toMatchObject({ name: 'RSA-PSS' });
  });
});
