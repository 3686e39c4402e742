import { webCryptoEnv } from '../../shared/crypto/crypto-env';
import { forgeRsa } from '../../shared/crypto/forge-lib';
import type { CryptoReply } from '../crypto/worker-protocol';
import { handleCryptoMessage, type CryptoWorkerEnv } from './crypto-handler';

// The dedicated worker that owns RSA key generation and every use of the unencrypted private key, so the
// page's main thread never blocks on it (DESIGN §3). It wires the worker's own crypto into the handler;
// started by crypto-client.ts, it imports nothing from the app's main bundle.

const env: CryptoWorkerEnv = {
  ...webCryptoEnv(crypto),
  forge: forgeRsa,
  now: () => performance.now(),
};

function post(reply: CryptoReply): void {
  postMessage(reply);
}

addEventListener('message', (event: MessageEvent<unknown>) => {
  void handleCryptoMessage(env, event.data, post);
});
