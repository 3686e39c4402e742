import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../shared/crypto/crypto-error';
import { createMessageHandler, type OperationHandlers } from '../workers/operation-handler';
import { defineProtocol, operation, type Reply, type SignaturesOf } from './operation-protocol';
import { connectWorker, type WorkerHandlers, type WorkerPort } from './worker-rpc';

// A table that exists only here proves the claim worker-protocol.ts makes: an operation is one table
// entry plus one handler. Nothing else below knows the names "double" or "count".

interface DoubleParams {
  n: number;
}

const isDoubleParams = (value: unknown): value is DoubleParams =>
  typeof value === 'object' && value !== null && 'n' in value && typeof value.n === 'number';
const isCountParams = (value: unknown): value is { to: number } =>
  typeof value === 'object' && value !== null && 'to' in value && typeof value.to === 'number';

const testOperations = {
  double: operation<DoubleParams, { doubled: number }>(isDoubleParams),
  count: operation<{ to: number }, string>(isCountParams),
};
type TestOperations = SignaturesOf<typeof testOperations>;
const testProtocol = defineProtocol(testOperations);

interface TestEnv {
  factor: number;
}

const handlers: OperationHandlers<TestOperations, TestEnv> = {
  double: ({ factor }, { n }) => {
    if (n < 0) return Promise.reject(new CryptoError('backup_malformed', 'negative'));
    return Promise.resolve({ doubled: n * factor });
  },
  count: (_env, { to }, { progress }) => {
    for (let i = 1; i < to; i++) progress('generating', i);
    return Promise.resolve(`counted to ${to}`);
  },
};

const handle = createMessageHandler(testProtocol, handlers);

/** The handler in-process, with structured clones both ways as between a page and a worker. */
function inProcess(handlers: WorkerHandlers): WorkerPort<TestOperations> {
  return {
    postMessage: (request) =>
      void handle({ factor: 2 }, structuredClone(request), (reply) =>
        handlers.onMessage(structuredClone(reply)),
      ),
    terminate: () => undefined,
  };
}

describe('an operation table', () => {
  it('gives each entry a typed call, a worker-side guard and a handler, with nothing else to write', async () => {
    const client = connectWorker(testProtocol, inProcess);
    await expect(client.call('double', { n: 21 })).resolves.toEqual({ doubled: 42 });
    const stages: number[] = [];
    const counted = await client.call('count', { to: 4 }, { onProgress: (p) => stages.push(p.elapsedMs) });
    expect(counted).toBe('counted to 4');
    expect(stages).toEqual([1, 2, 3]);
  });

  it('answers params that fail the entry guard, and unknown names, with bad_request', async () => {
    const replies: Reply<TestOperations>[] = [];
    const post = (reply: Reply<TestOperations>) => replies.push(reply);
    await handle({ factor: 2 }, { id: 1, type: 'double', params: { n: '21' } }, post);
    await handle({ factor: 2 }, { id: 2, type: 'triple', params: { n: 1 } }, post);
    await handle({ factor: 2 }, { id: 3, type: 'hasOwnProperty', params: {} }, post);
    expect(replies.map((reply) => (reply.kind === 'error' ? reply.error.code : reply.kind))).toEqual([
      'bad_request',
      'bad_request',
      'bad_request',
    ]);
    const client = connectWorker(testProtocol, inProcess);
    // @ts-expect-error: the table types the params, so the compiler refuses this before the worker does
    await expect(client.call('double', { n: '21' })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it("passes a handler's CryptoError code through to the caller", async () => {
    const client = connectWorker(testProtocol, inProcess);
    await expect(client.call('double', { n: -1 })).rejects.toMatchObject({ code: 'backup_malformed' });
  });

  it('is checked by the compiler: every entry needs a handler, and calls use only table names', () => {
    // @ts-expect-error: "count" has no handler
    const missing: OperationHandlers<TestOperations, TestEnv> = { double: handlers.double };
    const client = connectWorker(testProtocol, inProcess);
    // @ts-expect-error: "triple" is not in the table
    const unknown = () => client.call('triple', { n: 1 });
    expect(Object.keys(missing)).toEqual(['double']);
    expect(typeof unknown).toBe('function');
  });
});
