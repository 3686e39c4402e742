import { createCryptoClient } from '../crypto/crypto-client';

/** One crypto worker for the whole app, started on first use. */
export const cryptoWorker = createCryptoClient();
