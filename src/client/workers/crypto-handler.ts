import type { ForgeRsaLib } from 'node-forge/lib/forge';
import { CryptoError, isCryptoError } from '../../shared/crypto/crypto-error';
import { fromBase64Url, toBase64Url } from '../../shared/crypto/encoding';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';
import { openKeyBackup, sealKeyBackup } from '../../shared/crypto/key-backup';
import { inspectRsaPublicKey, publicKeyFromPkcs8 } from '../../shared/crypto/public-key';
import type { RandomBytes } from '../../shared/crypto/random';
import { generateRsaKeyPair } from '../../shared/crypto/rsa-keygen';
import { checkKeyPair, importRsaPrivateKeys, importRsaPublicKeys } from '../../shared/crypto/webcrypto-keys';
import {
  activateReply,
  errorReply,
  parseCryptoRequest,
  progressReply,
  requestIdOf,
  restoreReply,
  type ActivateParams,
  type ActivateResult,
  type CryptoReply,
  type ProgressStage,
  type RestoreParams,
  type RestoreResult,
} from '../crypto/worker-protocol';

// The crypto worker's logic, apart from the worker global so it runs under Node in tests. Everything
// it needs comes in as `env`; crypto.worker.ts supplies the worker's own.

export interface CryptoWorkerEnv {
  forge: ForgeRsaLib;
  subtle: SubtleCrypto;
  randomBytes: RandomBytes;
  now: () => number;
}

type Post = (reply: CryptoReply) => void;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

async function activate(
  env: CryptoWorkerEnv,
  params: ActivateParams,
  progress: (stage: ProgressStage, elapsedMs: number) => void,
): Promise<ActivateResult> {
  const started = env.now();
  progress('started', 0);
  const keys = await generateRsaKeyPair(env, params.bits, {
    onSlice: () => progress('generating', env.now() - started),
  });
  const generateMs = env.now() - started;
  progress('done', generateMs);
  try {
    if (inspectRsaPublicKey(env.forge, keys.spki).bits !== params.bits) {
      throw new CryptoError('keygen_failed', 'The generated key has the wrong size.');
    }
    const fingerprint = await fingerprintSpki(env.subtle, keys.spki);
    const privateKeys = await importRsaPrivateKeys(env.subtle, keys.pkcs8);
    const publicKeys = await importRsaPublicKeys(env.subtle, keys.spki);
    // Publish nothing that does not work: a broken key would lose every message sent to it.
    await checkKeyPair(env.subtle, env.randomBytes, privateKeys, publicKeys);
    const backup = await sealKeyBackup(env.subtle, env.randomBytes, {
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

async function restore(env: CryptoWorkerEnv, params: RestoreParams): Promise<RestoreResult> {
  let spki: Uint8Array<ArrayBuffer>;
  try {
    spki = fromBase64Url(params.spki);
  } catch (cause) {
    throw new CryptoError('invalid_public_key', 'The public key is not base64url.', { cause });
  }
  // The fingerprint is part of the backup's additional data, so it must name this very SPKI.
  if ((await fingerprintSpki(env.subtle, spki)) !== params.fingerprint) {
    throw new CryptoError('fingerprint_mismatch', 'The fingerprint does not match the public key.');
  }
  const pkcs8 = await openKeyBackup(env.subtle, {
    wrapKey: params.wrapKey,
    backup: params.backup,
    accountName: params.accountName,
    fingerprint: params.fingerprint,
  });
  try {
    if (!bytesEqual(publicKeyFromPkcs8(env.forge, pkcs8), spki)) {
      throw new CryptoError(
        'key_mismatch',
        'The backed-up private key does not belong to the published key.',
      );
    }
    const privateKeys = await importRsaPrivateKeys(env.subtle, pkcs8);
    await checkKeyPair(env.subtle, env.randomBytes, privateKeys, await importRsaPublicKeys(env.subtle, spki));
    return privateKeys;
  } finally {
    pkcs8.fill(0);
  }
}

/** Answers one message with progress replies and then exactly one result or error reply. Never throws. */
export async function handleCryptoMessage(env: CryptoWorkerEnv, data: unknown, post: Post): Promise<void> {
  const request = parseCryptoRequest(data);
  if (!request) {
    const id = requestIdOf(data);
    if (id !== null) {
      post(errorReply(id, 'bad_request', 'The crypto worker does not understand this request.'));
    }
    return;
  }
  const { id } = request;
  try {
    switch (request.type) {
      case 'activate': {
        const result = await activate(env, request.params, (stage, elapsedMs) =>
          post(progressReply(id, stage, elapsedMs)),
        );
        post(activateReply(id, result));
        return;
      }
      case 'restore':
        post(restoreReply(id, await restore(env, request.params)));
        return;
      default: {
        const unhandled: never = request;
        throw new Error(`Unhandled request ${JSON.stringify(unhandled)}`);
      }
    }
  } catch (error) {
    if (isCryptoError(error)) {
      post(errorReply(id, error.code, error.message));
    } else {
      // Unexpected failures (a DataCloneError, a bug) keep their message but not their stack.
      post(
        errorReply(
          id,
          'internal',
          error instanceof Error ? error.message : 'Unexpected crypto worker error.',
        ),
      );
    }
  }
}
