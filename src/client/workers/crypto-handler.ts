import type { CryptoEnv } from '../../shared/crypto/crypto-env';
import { CryptoError } from '../../shared/crypto/crypto-error';
import { bytesEqual, fromBase64Url, toBase64Url } from '../../shared/crypto/encoding';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';
import { openKeyBackup, sealKeyBackup } from '../../shared/crypto/key-backup';
import { publicKeyFromPkcs8 } from '../../shared/crypto/public-key';
import { generateRsaKeyPair } from '../../shared/crypto/rsa-keygen';
import { verifyNewKeyPair } from '../../shared/crypto/verify-key-pair';
import { checkKeyPair, importRsaPrivateKeys, importRsaPublicKeys } from '../../shared/crypto/webcrypto-keys';
import {
  cryptoProtocol,
  type ActivateParams,
  type ActivateResult,
  type BackupParams,
  type CheckBackupParams,
  type CheckBackupResult,
  type CryptoOperations,
  type RestoreParams,
  type RestoreResult,
} from '../crypto/worker-protocol';
import { createMessageHandler, type HandlerContext, type OperationHandlers } from './operation-handler';

// The crypto worker's logic, apart from the worker global so it runs under Node in tests. Everything
// it needs comes in as `env`; crypto.worker.ts supplies the worker's own.

export interface CryptoWorkerEnv extends CryptoEnv {
  now: () => number;
}

async function activate(
  env: CryptoWorkerEnv,
  params: ActivateParams,
  { progress }: HandlerContext,
): Promise<ActivateResult> {
  const started = env.now();
  progress('started', 0);
  const keys = await generateRsaKeyPair(env, params.bits, {
    onSlice: () => progress('generating', env.now() - started),
  });
  const generateMs = env.now() - started;
  progress('done', generateMs);
  try {
    const privateKeys = await verifyNewKeyPair(env, { ...keys, bits: params.bits });
    const fingerprint = await fingerprintSpki(env, keys.spki);
    const backup = await sealKeyBackup(env, {
      wrapKey: params.wrapKey,
      pkcs8: keys.pkcs8,
      accountName: params.accountName,
      fingerprint,
    });
    return {
      spki: toBase64Url(keys.spki),
      fingerprint,
      bits: keys.bits,
      backup,
      ...privateKeys,
      generateMs,
      keygenPath: keys.path,
    };
  } finally {
    keys.pkcs8.fill(0);
  }
}

/**
 * Opens the backup and proves it holds the private half of the published key, then lends the PKCS#8 to
 * `work` and zeroes it afterwards, whatever happens.
 */
async function withOpenedBackup<T>(
  env: CryptoWorkerEnv,
  params: BackupParams,
  work: (pkcs8: Uint8Array<ArrayBuffer>, spki: Uint8Array<ArrayBuffer>) => Promise<T>,
): Promise<T> {
  let spki: Uint8Array<ArrayBuffer>;
  try {
    spki = fromBase64Url(params.spki);
  } catch (cause) {
    throw new CryptoError('invalid_public_key', 'The public key is not base64url.', { cause });
  }
  // The fingerprint is part of the backup's additional data, so it must name this very SPKI.
  if ((await fingerprintSpki(env, spki)) !== params.fingerprint) {
    throw new CryptoError('fingerprint_mismatch', 'The fingerprint does not match the public key.');
  }
  // GCM fails here on a wrong wrap key, that is a wrong password: backup_unopenable.
  const pkcs8 = await openKeyBackup(env, {
    wrapKey: params.wrapKey,
    backup: params.backup,
    accountName: params.accountName,
    fingerprint: params.fingerprint,
  });
  try {
    if (!bytesEqual(publicKeyFromPkcs8(env, pkcs8), spki)) {
      throw new CryptoError(
        'key_mismatch',
        'The backed-up private key does not belong to the published key.',
      );
    }
    return await work(pkcs8, spki);
  } finally {
    pkcs8.fill(0);
  }
}

function restore(env: CryptoWorkerEnv, params: RestoreParams): Promise<RestoreResult> {
  return withOpenedBackup(env, params, async (pkcs8, spki) => {
    const privateKeys = await importRsaPrivateKeys(env, pkcs8);
    await checkKeyPair(env, privateKeys, await importRsaPublicKeys(env, spki));
    return privateKeys;
  });
}

/** Answers only whether the wrap key opens this account's backup: how Unlock checks a password offline. */
function checkBackup(env: CryptoWorkerEnv, params: CheckBackupParams): Promise<CheckBackupResult> {
  return withOpenedBackup(env, params, () => Promise.resolve({ fingerprint: params.fingerprint }));
}

/** One handler per entry of `cryptoOperations`; leaving one out is a type error. */
export const cryptoHandlers: OperationHandlers<CryptoOperations, CryptoWorkerEnv> = {
  activate,
  restore,
  checkBackup,
};

/** Answers one message with progress replies and then exactly one result or error reply. Never throws. */
export const handleCryptoMessage = createMessageHandler(cryptoProtocol, cryptoHandlers);
