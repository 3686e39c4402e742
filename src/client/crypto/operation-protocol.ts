import type { CryptoErrorCode } from '../../shared/crypto/crypto-error';
import { isRecord } from '../../shared/json-shape';

// The message protocol between the app and a worker, driven by a table of operations. Each entry names an
// operation, guards its params and fixes its result type; requests, replies, their guards, the client's
// typed `call` and the worker's handler map all follow from the table, so adding an operation is one
// table entry plus one handler. Requests carry an id that every reply repeats; progress replies may come
// any number of times before the one result or error. Imports only types and one dependency-free shape
// check: the worker and the main bundle both load this file.

/** An operation's parameters and result, as types only. */
export interface Signature {
  params: unknown;
  result: unknown;
}

export type SignatureMap = Record<string, Signature>;

export type ParamsGuard<P> = (value: unknown) => value is P;

export interface OperationSpec<S extends Signature> {
  /** Checks the shape of params arriving in the worker, cheaply and without crypto code. */
  readonly isParams: ParamsGuard<S['params']>;
  /** Never set: it only carries the result type to the client's and the handler's signatures. */
  readonly result?: S['result'];
}

/** One table entry: `operation<Params, Result>(isParams)`. */
export function operation<P, R>(isParams: ParamsGuard<P>): OperationSpec<{ params: P; result: R }> {
  return { isParams };
}

export type OperationTable<M extends SignatureMap> = { readonly [K in keyof M]: OperationSpec<M[K]> };

/** The signatures of a table: `SignaturesOf<typeof table>`. */
export type SignaturesOf<T> = T extends OperationTable<infer M> ? M : never;

export type OperationName<M extends SignatureMap> = keyof M & string;

export type OperationRequest<M extends SignatureMap, K extends OperationName<M> = OperationName<M>> = {
  [N in K]: { id: number; type: N; params: M[N]['params'] };
}[K];

export type ProgressStage = 'started' | 'generating' | 'done';

/** Errors the worker reports: the crypto's own, plus a malformed request and anything unexpected. */
export type WorkerErrorCode = CryptoErrorCode | 'bad_request' | 'internal';

export interface ProgressReply {
  kind: 'progress';
  id: number;
  stage: ProgressStage;
  /** Milliseconds since the operation started. */
  elapsedMs: number;
}

export type ResultReply<M extends SignatureMap, K extends OperationName<M> = OperationName<M>> = {
  [N in K]: { kind: 'result'; id: number; ok: true; type: N; result: M[N]['result'] };
}[K];

export interface ErrorReply {
  kind: 'error';
  id: number;
  ok: false;
  error: { code: WorkerErrorCode; message: string };
}

export type Reply<M extends SignatureMap> = ProgressReply | ResultReply<M> | ErrorReply;

export function progressReply(id: number, stage: ProgressStage, elapsedMs: number): ProgressReply {
  return { kind: 'progress', id, stage, elapsedMs };
}

export function errorReply(id: number, code: WorkerErrorCode, message: string): ErrorReply {
  return { kind: 'error', id, ok: false, error: { code, message } };
}

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** The id of a message that may be a malformed request, so the worker can still answer it. */
export function requestIdOf(data: unknown): number | null {
  return isRecord(data) && isRequestId(data.id) ? data.id : null;
}

const STAGES: readonly unknown[] = ['started', 'generating', 'done'] satisfies ProgressStage[];

/** The typed builders and guards for one table; both sides of the channel use the same one. */
export interface Protocol<M extends SignatureMap> {
  readonly table: OperationTable<M>;
  readonly request: <K extends OperationName<M>>(
    id: number,
    type: K,
    params: M[K]['params'],
  ) => OperationRequest<M, K>;
  readonly resultReply: <K extends OperationName<M>>(
    id: number,
    type: K,
    result: M[K]['result'],
  ) => ResultReply<M, K>;
  /** The request, or null when `data` is not one (the worker then answers bad_request if it has an id). */
  readonly parseRequest: (data: unknown) => OperationRequest<M> | null;
  /** Checks a reply's envelope; results are the worker's own, so their contents are trusted. */
  readonly isReply: (data: unknown) => data is Reply<M>;
  readonly isResultOf: <K extends OperationName<M>>(
    reply: ResultReply<M>,
    type: K,
  ) => reply is ResultReply<M, K>;
}

export function defineProtocol<M extends SignatureMap>(table: OperationTable<M>): Protocol<M> {
  // Object.hasOwn keeps inherited names such as "toString" from passing as operations.
  const isOperationName = (value: unknown): value is OperationName<M> =>
    typeof value === 'string' && Object.hasOwn(table, value);

  function parseParams<K extends OperationName<M>>(
    id: number,
    type: K,
    params: unknown,
  ): OperationRequest<M, K> | null {
    return table[type].isParams(params) ? { id, type, params } : null;
  }

  return {
    table,
    request: (id, type, params) => ({ id, type, params }),
    resultReply: (id, type, result) => ({ kind: 'result', id, ok: true, type, result }),
    parseRequest: (data) => {
      if (!isRecord(data) || !isRequestId(data.id) || !isOperationName(data.type)) return null;
      return parseParams(data.id, data.type, data.params);
    },
    isReply: (data): data is Reply<M> => {
      if (!isRecord(data) || !isRequestId(data.id)) return false;
      switch (data.kind) {
        case 'progress':
          return STAGES.includes(data.stage) && typeof data.elapsedMs === 'number';
        case 'result':
          return data.ok === true && isOperationName(data.type) && 'result' in data;
        case 'error':
          return (
            data.ok === false &&
            isRecord(data.error) &&
            typeof data.error.code === 'string' &&
            typeof data.error.message === 'string'
          );
        default:
          return false;
      }
    },
    isResultOf: <K extends OperationName<M>>(reply: ResultReply<M>, type: K): reply is ResultReply<M, K> =>
      reply.type === type,
  };
}
