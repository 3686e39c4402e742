import { isCryptoError } from '../../shared/crypto/crypto-error';
import {
  errorReply,
  progressReply,
  requestIdOf,
  type OperationName,
  type OperationRequest,
  type ProgressStage,
  type Protocol,
  type Reply,
  type SignatureMap,
} from '../crypto/operation-protocol';

// The worker's half of the operation protocol: checks each message against the table, runs its handler
// and answers with progress replies and then exactly one result or error. The handlers object is typed by
// the table, so an operation without a handler does not compile.

export interface HandlerContext {
  /** Sends a progress reply for this request. */
  readonly progress: (stage: ProgressStage, elapsedMs: number) => void;
}

export type OperationHandlers<M extends SignatureMap, Env> = {
  readonly [K in keyof M]: (
    env: Env,
    params: M[K]['params'],
    context: HandlerContext,
  ) => Promise<M[K]['result']>;
};

export type MessageHandler<M extends SignatureMap, Env> = (
  env: Env,
  data: unknown,
  post: (reply: Reply<M>) => void,
) => Promise<void>;

export function createMessageHandler<M extends SignatureMap, Env>(
  protocol: Protocol<M>,
  handlers: OperationHandlers<M, Env>,
): MessageHandler<M, Env> {
  async function run<K extends OperationName<M>>(
    env: Env,
    request: OperationRequest<M, K>,
    post: (reply: Reply<M>) => void,
  ): Promise<void> {
    const { id, type } = request;
    const progress = (stage: ProgressStage, elapsedMs: number) => post(progressReply(id, stage, elapsedMs));
    const result = await handlers[type](env, request.params, { progress });
    post(protocol.resultReply(id, type, result));
  }

  /** Never throws: every failure becomes an error reply to the request it belongs to. */
  return async (env, data, post) => {
    const request = protocol.parseRequest(data);
    if (!request) {
      const id = requestIdOf(data);
      if (id !== null) post(errorReply(id, 'bad_request', 'The worker does not understand this request.'));
      return;
    }
    try {
      await run(env, request, post);
    } catch (error) {
      if (isCryptoError(error)) {
        post(errorReply(request.id, error.code, error.message));
      } else {
        // Unexpected failures (a DataCloneError, a bug) keep their message but not their stack.
        const message = error instanceof Error ? error.message : 'Unexpected worker error.';
        post(errorReply(request.id, 'internal', message));
      }
    }
  };
}
