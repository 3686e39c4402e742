import { cryptoProtocol, type CryptoOperations } from './worker-protocol';
import { connectWorker, type WorkerClient, type WorkerFactory } from './worker-rpc';

// The app's door to the crypto worker (DESIGN §3: all RSA work happens off the main thread). Nothing
// starts until the first call. forge is bundled into the worker's chunk only, never the main one.

export type {
  CallOptions,
  CryptoClientErrorCode,
  CryptoProgress,
  WorkerHandlers,
  WorkerPort,
} from './worker-rpc';
export { CryptoClientError } from './worker-rpc';
export type {
  ActivateParams,
  ActivateResult,
  CheckBackupParams,
  CheckBackupResult,
  CryptoOperations,
  RestoreParams,
  RestoreResult,
} from './worker-protocol';

/** Every operation of worker-protocol.ts's table: `client.call('activate', params, { onProgress })`. */
export type CryptoClient = WorkerClient<CryptoOperations>;

/** Starts the real module worker; Vite finds and bundles it from this exact `new Worker(new URL(…))`. */
export const startCryptoWorker: WorkerFactory<CryptoOperations> = (handlers) => {
  const worker = new Worker(new URL('../workers/crypto.worker.ts', import.meta.url), {
    type: 'module',
    name: 'ringpost-crypto',
  });
  worker.addEventListener('message', (event) => handlers.onMessage(event.data));
  worker.addEventListener('error', (event) => {
    // Handled here: a failed worker rejects the pending calls instead of reaching window.onerror.
    event.preventDefault();
    handlers.onError(event.message || 'The crypto worker failed.');
  });
  worker.addEventListener('messageerror', () => handlers.onError('A crypto worker reply could not be read.'));
  return { postMessage: (request) => worker.postMessage(request), terminate: () => worker.terminate() };
};

/** A client for the crypto worker, started lazily; `createWorker` swaps the worker out in tests. */
export function createCryptoClient(
  options: { createWorker?: WorkerFactory<CryptoOperations> } = {},
): CryptoClient {
  return connectWorker(cryptoProtocol, options.createWorker ?? startCryptoWorker);
}
