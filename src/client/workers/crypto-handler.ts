import type { CryptoEnv } from '../../shared/crypto/crypto-env';
import { CryptoError } from '../../shared/crypto/crypto-error';
import { bytesEqual, fromBase64Url, toBase64Url } from '../../shared/crypto/encoding';
import { openEnvelope, sealEnvelope, verifyEnvelopeSignature } from '../../shared/crypto/envelope-v1';
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
  type OpenEnvelopeParams,
  type OpenEnvelopeResult,
  type RestoreParams,
  type RestoreResult,
  type SealEnvelopeParams,
  type SealEnvelopeResult,
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

function spkiBytes(base64url: string, whose: string): Uint8Array<ArrayBuffer> {
  try {
    return fromBase64Url(base64url);
  } catch (cause) {
    throw new CryptoError('invalid_public_key', `The ${whose} public key is not base64url.`, { cause });
  }
}

/**
 * Seals one message. The fingerprints in `kid` are computed here from the very SPKI bytes the keys are
 * imported from, so an envelope can never name one key and be wrapped for another.
 */
async function sealEnvelopeHandler(
  env: CryptoWorkerEnv,
  params: SealEnvelopeParams,
): Promise<SealEnvelopeResult> {
  const senderSpki = spkiBytes(params.senderSpki, "sender's");
  const recipientSpki = spkiBytes(params.recipientSpki, "recipient's");
  const [sender, recipient, senderFingerprint, recipientFingerprint] = await Promise.all([
    importRsaPublicKeys(env, senderSpki),
    importRsaPublicKeys(env, recipientSpki),
    fingerprintSpki(env, senderSpki),
    fingerprintSpki(env, recipientSpki),
  ]);
  if (params.recipientPin !== undefined && recipientFingerprint !== params.recipientPin) {
    throw new CryptoError('fingerprint_mismatch', "The recipient's key is not the pinned one.");
  }
  const envelope = await sealEnvelope(env, {
    id: params.id,
    from: params.from,
    to: params.to,
    ts: params.ts,
    text: params.text,
    senderSignKey: params.signKey,
    senderPublicKey: sender.encryptKey,
    recipientPublicKey: recipient.encryptKey,
    senderFingerprint,
    recipientFingerprint,
  });
  // Checked before it leaves (a fraction of a millisecond): a signing key that is not the sender SPKI's
  // would make messages nobody can verify, and a faulty RSA signature can leak the private key.
  if (!(await verifyEnvelopeSignature(env, envelope, sender.verifyKey))) {
    throw new CryptoError('key_mismatch', "The signing key does not belong to the sender's public key.");
  }
  return { envelope };
}

/** Opens one envelope with the sender's key, which must be the pinned one the caller expects. */
async function openEnvelopeHandler(
  env: CryptoWorkerEnv,
  params: OpenEnvelopeParams,
): Promise<OpenEnvelopeResult> {
  const senderSpki = spkiBytes(params.senderSpki, "sender's");
  if ((await fingerprintSpki(env, senderSpki)) !== params.expected.kidFrom) {
    throw new CryptoError('envelope_mismatch', "The sender's key is not the pinned one.");
  }
  const { verifyKey } = await importRsaPublicKeys(env, senderSpki);
  return openEnvelope(env, {
    envelope: params.envelope,
    decryptKey: params.decryptKey,
    as: params.as,
    senderVerifyKey: verifyKey,
    expected: params.expected,
  });
}

/** One handler per entry of `cryptoOperations`; leaving one out is a type error. */
export const cryptoHandlers: OperationHandlers<CryptoOperations, CryptoWorkerEnv> = {
  activate,
  restore,
  checkBackup,
  sealEnvelope: sealEnvelopeHandler,
  openEnvelope: openEnvelopeHandler,
};

/** Answers one message with progress replies and then exactly one result or error reply. Never throws. */
export const handleCryptoMessage = createMessageHandler(cryptoProtocol, cryptoHandlers);
