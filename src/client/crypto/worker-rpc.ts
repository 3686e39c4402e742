import {
  activateRequest,
  isCryptoReply,
  restoreRequest,
  type ActivateParams,
  type ActivateResult,
  type CryptoRequest,
  type ErrorReply,
  type ProgressStage,
  type RestoreParams,
  type RestoreResult,
  type ResultReply,
  type WorkerErrorCode,
} from './worker-protocol';

// The client half of the worker protocol: starts the worker on first use, matches replies to calls by
// id, and turns them into typed promises. It never names `Worker`, so it runs under Node and is tested
// there with a fake port; crypto-client.ts plugs in the real module worker.

export type CryptoClientErrorCode = WorkerErrorCode | 'worker_failed' | 'terminated';

export class CryptoClientError extends Error {
  readonly code: CryptoClientErrorCode;

  constructor(code: CryptoClientErrorCode, message: string) {
    super(message);
    this.name = 'CryptoClientError';
    this.code = code;
  }
}

export interface CryptoProgress {
  stage: ProgressStage;
  elapsedMs: number;
}

export interface CallOptions {
  onProgress?: (progress: CryptoProgress) => void;
}

export interface WorkerHandlers {
  onMessage(data: unknown): void;
  /** The worker failed to load, threw outside a request, or a reply could not be deserialized. */
  onError(message: string): void;
}

export interface WorkerPort {
  postMessage(request: CryptoRequest): void;
  terminate(): void;
}

export type WorkerFactory = (handlers: WorkerHandlers) => WorkerPort;

export interface CryptoClient {
  /** Generates the keypair, its fingerprint and encrypted backup, and the non-extractable private keys. */
  activate(params: ActivateParams, options?: CallOptions): Promise<ActivateResult>;
  /** Opens a key backup and checks it against the published key; yields the non-extractable private keys. */
  restore(params: RestoreParams, options?: CallOptions): Promise<RestoreResult>;
  /** Stops the worker and rejects every pending call; the next call starts a new worker. */
  terminate(): void;
}

interface Pending {
  settle(reply: ResultReply | ErrorReply): void;
  fail(error: CryptoClientError): void;
  onProgress: ((progress: CryptoProgress) => void) | undefined;
}

export function connectCryptoWorker(createWorker: WorkerFactory): CryptoClient {
  const pending = new Map<number, Pending>();
  let port: WorkerPort | null = null;
  let lastId = 0;

  function failAll(error: CryptoClientError) {
    const calls = [...pending.values()];
    pending.clear();
    for (const call of calls) call.fail(error);
  }

  function stop(error: CryptoClientError) {
    port?.terminate();
    port = null;
    failAll(error);
  }

  function onMessage(data: unknown) {
    // Only our own worker talks on this channel; anything unrecognised or late is dropped.
    if (!isCryptoReply(data)) return;
    const call = pending.get(data.id);
    if (!call) return;
    if (data.kind === 'progress') {
      call.onProgress?.({ stage: data.stage, elapsedMs: data.elapsedMs });
      return;
    }
    pending.delete(data.id);
    call.settle(data);
  }

  function ensurePort(): WorkerPort {
    port ??= createWorker({
      onMessage,
      // A crashed worker answers nothing more: fail what is waiting, start afresh on the next call.
      onError: (message) => stop(new CryptoClientError('worker_failed', message)),
    });
    return port;
  }

  function call<T>(
    makeRequest: (id: number) => CryptoRequest,
    pick: (reply: ResultReply) => T | undefined,
    callOptions: CallOptions | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, {
        settle(reply) {
          if (!reply.ok) {
            reject(new CryptoClientError(reply.error.code, reply.error.message));
            return;
          }
          const result = pick(reply);
          if (result === undefined) {
            reject(new CryptoClientError('internal', 'The crypto worker answered another question.'));
          } else {
            resolve(result);
          }
        },
        fail: reject,
        onProgress: callOptions?.onProgress,
      });
      try {
        ensurePort().postMessage(makeRequest(id));
      } catch (error) {
        // e.g. a DataCloneError for parameters that cannot be cloned
        pending.delete(id);
        reject(new CryptoClientError('bad_request', error instanceof Error ? error.message : String(error)));
      }
    });
  }

  return {
    activate: (params, callOptions) =>
      call(
        (id) => activateRequest(id, params),
        (reply) => (reply.type === 'activate' ? reply.result : undefined),
        callOptions,
      ),
    restore: (params, callOptions) =>
      call(
        (id) => restoreRequest(id, params),
        (reply) => (reply.type === 'restore' ? reply.result : undefined),
        callOptions,
      ),
    terminate: () => stop(new CryptoClientError('terminated', 'The crypto worker was stopped.')),
  };
}
