import type {
  ErrorReply,
  OperationName,
  OperationRequest,
  ProgressStage,
  Protocol,
  ResultReply,
  SignatureMap,
  WorkerErrorCode,
} from './operation-protocol';

// The client half of the operation protocol: starts the worker on first use, matches replies to calls by
// id, and turns them into typed promises. Every operation in the table is callable through `call`, with
// params and result typed by the table. It never names `Worker`, so it runs under Node and is tested there
// with a fake port; crypto-client.ts plugs in the real module worker.

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

export interface WorkerPort<M extends SignatureMap> {
  postMessage(request: OperationRequest<M>): void;
  terminate(): void;
}

export type WorkerFactory<M extends SignatureMap> = (handlers: WorkerHandlers) => WorkerPort<M>;

export interface WorkerClient<M extends SignatureMap> {
  /** Runs one operation of the table in the worker. */
  call<K extends OperationName<M>>(
    type: K,
    params: M[K]['params'],
    options?: CallOptions,
  ): Promise<M[K]['result']>;
  /** Stops the worker and rejects every pending call; the next call starts a new worker. */
  terminate(): void;
}

interface Pending<M extends SignatureMap> {
  settle(reply: ResultReply<M> | ErrorReply): void;
  fail(error: CryptoClientError): void;
  onProgress: ((progress: CryptoProgress) => void) | undefined;
}

export function connectWorker<M extends SignatureMap>(
  protocol: Protocol<M>,
  createWorker: WorkerFactory<M>,
): WorkerClient<M> {
  const pending = new Map<number, Pending<M>>();
  let port: WorkerPort<M> | null = null;
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
    if (!protocol.isReply(data)) return;
    const call = pending.get(data.id);
    if (!call) return;
    if (data.kind === 'progress') {
      call.onProgress?.({ stage: data.stage, elapsedMs: data.elapsedMs });
      return;
    }
    pending.delete(data.id);
    call.settle(data);
  }

  function ensurePort(): WorkerPort<M> {
    port ??= createWorker({
      onMessage,
      // A crashed worker answers nothing more: fail what is waiting, start afresh on the next call.
      onError: (message) => stop(new CryptoClientError('worker_failed', message)),
    });
    return port;
  }

  function call<K extends OperationName<M>>(
    type: K,
    params: M[K]['params'],
    options?: CallOptions,
  ): Promise<M[K]['result']> {
    return new Promise<M[K]['result']>((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, {
        settle(reply) {
          if (!reply.ok) {
            reject(new CryptoClientError(reply.error.code, reply.error.message));
          } else if (protocol.isResultOf(reply, type)) {
            resolve(reply.result);
          } else {
            reject(new CryptoClientError('internal', 'The worker answered another question.'));
          }
        },
        fail: reject,
        onProgress: options?.onProgress,
      });
      try {
        ensurePort().postMessage(protocol.request(id, type, params));
      } catch (error) {
        // e.g. a DataCloneError for parameters that cannot be cloned
        pending.delete(id);
        reject(new CryptoClientError('bad_request', error instanceof Error ? error.message : String(error)));
      }
    });
  }

  return {
    call,
    terminate: () => stop(new CryptoClientError('terminated', 'The worker was stopped.')),
  };
}
