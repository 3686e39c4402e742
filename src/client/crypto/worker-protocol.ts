import type { EnvelopeExpectation, EnvelopeV1, OpenedMessage } from '../../shared/crypto/envelope-v1';
import type { KeyBackupV1 } from '../../shared/crypto/key-backup';
import type { KeygenPath } from '../../shared/crypto/rsa-keygen';
import { isRecord } from '../../shared/json-shape';
import { isAllowedKeyBits, type KeyBits } from '../../shared/rules';
import {
  defineProtocol,
  operation,
  type OperationRequest,
  type Reply,
  type SignaturesOf,
} from './operation-protocol';

// What the crypto worker can do. Both sides import this file and nothing else of each other, so it must
// stay free of forge and of app code. CryptoKeys cross as structured clones, which works for
// non-extractable keys too: the PKCS#8 bytes stay inside the worker.
//
// Adding an operation: its params and result types and a params guard here, one entry in
// `cryptoOperations`, and its handler in workers/crypto-handler.ts (a missing one does not compile).

export interface ActivateParams {
  bits: KeyBits;
  /** The account's AES-256-GCM wrap key (account-keys.ts). */
  wrapKey: CryptoKey;
  accountName: string;
}

export interface ActivateResult {
  /** SubjectPublicKeyInfo DER, base64url: what gets published. */
  spki: string;
  /** SHA-256 of the SPKI, 64 lowercase hex digits. */
  fingerprint: string;
  bits: KeyBits;
  /** The PKCS#8 private key under the wrap key: what gets stored on the server. */
  backup: KeyBackupV1;
  /** Non-extractable RSA-OAEP-SHA-256 private key (decrypt, unwrapKey). */
  decryptKey: CryptoKey;
  /** Non-extractable RSA-PSS-SHA-256 private key (sign). */
  signKey: CryptoKey;
  /** Time spent generating the keypair, in ms. */
  generateMs: number;
  keygenPath: KeygenPath;
}

/** What opening a key backup needs, and what it is checked against. */
export interface BackupParams {
  backup: KeyBackupV1;
  wrapKey: CryptoKey;
  accountName: string;
  /** The published SPKI, base64url; the restored private key must belong to it. */
  spki: string;
  fingerprint: string;
}

export type RestoreParams = BackupParams;

export interface RestoreResult {
  decryptKey: CryptoKey;
  signKey: CryptoKey;
}

export type CheckBackupParams = BackupParams;

/** Only that the backup opened and belongs to the published key; the private key stays in the worker. */
export interface CheckBackupResult {
  fingerprint: string;
}

/** What sealing one message needs; the worker imports the keys and computes both fingerprints itself. */
export interface SealEnvelopeParams {
  text: string;
  /** Normalized community names. */
  from: string;
  to: string;
  /** The sender's clock, ms since the epoch. */
  ts: number;
  /** 16 bytes, base64url; the worker draws one when absent. */
  id?: string;
  /** The sender's non-extractable RSA-PSS-SHA-256 private key (DeviceKeys.signKey). */
  signKey: CryptoKey;
  /** The sender's own published SPKI, base64url: `wk.from` is wrapped for it. */
  senderSpki: string;
  /** The recipient's SPKI as served, base64url: `wk.to` is wrapped for it. */
  recipientSpki: string;
  /**
   * The recipient's pinned fingerprint. When given, the worker refuses (fingerprint_mismatch) a served
   * key that is not the pinned one, whatever the caller checked before.
   */
  recipientPin?: string;
}

export interface SealEnvelopeResult {
  envelope: EnvelopeV1;
}

/** What opening one envelope needs; `expected` holds what the reader trusts (names and pinned keys). */
export interface OpenEnvelopeParams {
  /** As received or stored; the worker checks its shape. */
  envelope: unknown;
  /** The reader's non-extractable RSA-OAEP-SHA-256 private key (DeviceKeys.decryptKey). */
  decryptKey: CryptoKey;
  /** `recipient` for a received message, `sender` for one's own sent message. */
  as: 'recipient' | 'sender';
  /** The sender's SPKI, base64url; its fingerprint must be `expected.kidFrom`. */
  senderSpki: string;
  expected: EnvelopeExpectation;
}

export type OpenEnvelopeResult = OpenedMessage;

// Guards check shape only, cheaply and without crypto code; the worker validates contents (base64url,
// fingerprints, backups) with the shared crypto functions and answers bad input with an error reply.

/** CryptoKey is not a global value under Node, where these guards are tested, so check its shape. */
export function isCryptoKeyLike(value: unknown): value is CryptoKey {
  return (
    isRecord(value) &&
    typeof value.type === 'string' &&
    typeof value.extractable === 'boolean' &&
    isRecord(value.algorithm) &&
    Array.isArray(value.usages)
  );
}

function isBackupShape(value: unknown): value is KeyBackupV1 {
  return isRecord(value) && value.v === 1 && typeof value.iv === 'string' && typeof value.ct === 'string';
}

function isActivateParams(value: unknown): value is ActivateParams {
  return (
    isRecord(value) &&
    isAllowedKeyBits(value.bits) &&
    isCryptoKeyLike(value.wrapKey) &&
    typeof value.accountName === 'string'
  );
}

function isBackupParams(value: unknown): value is BackupParams {
  return (
    isRecord(value) &&
    isBackupShape(value.backup) &&
    isCryptoKeyLike(value.wrapKey) &&
    typeof value.accountName === 'string' &&
    typeof value.spki === 'string' &&
    typeof value.fingerprint === 'string'
  );
}

function isSealEnvelopeParams(value: unknown): value is SealEnvelopeParams {
  return (
    isRecord(value) &&
    typeof value.text === 'string' &&
    typeof value.from === 'string' &&
    typeof value.to === 'string' &&
    typeof value.ts === 'number' &&
    (value.id === undefined || typeof value.id === 'string') &&
    isCryptoKeyLike(value.signKey) &&
    typeof value.senderSpki === 'string' &&
    typeof value.recipientSpki === 'string' &&
    (value.recipientPin === undefined || typeof value.recipientPin === 'string')
  );
}

function isEnvelopeExpectation(value: unknown): value is EnvelopeExpectation {
  return (
    isRecord(value) &&
    typeof value.from === 'string' &&
    typeof value.to === 'string' &&
    typeof value.kidFrom === 'string' &&
    typeof value.kidTo === 'string'
  );
}

function isOpenEnvelopeParams(value: unknown): value is OpenEnvelopeParams {
  return (
    isRecord(value) &&
    'envelope' in value &&
    isCryptoKeyLike(value.decryptKey) &&
    (value.as === 'recipient' || value.as === 'sender') &&
    typeof value.senderSpki === 'string' &&
    isEnvelopeExpectation(value.expected)
  );
}

export const cryptoOperations = {
  /** Generates the keypair, its fingerprint and encrypted backup, and the non-extractable private keys. */
  activate: operation<ActivateParams, ActivateResult>(isActivateParams),
  /** Opens a key backup and checks it against the published key; yields the non-extractable private keys. */
  restore: operation<RestoreParams, RestoreResult>(isBackupParams),
  /** Opens a key backup and checks it against the published key, then forgets it: a password check. */
  checkBackup: operation<CheckBackupParams, CheckBackupResult>(isBackupParams),
  /** Seals one message as envelope v1 (shared/crypto/envelope-v1.ts), signed with the sender's key. */
  sealEnvelope: operation<SealEnvelopeParams, SealEnvelopeResult>(isSealEnvelopeParams),
  /** Checks and opens one envelope v1; every refusal is an `envelope_*` error ("could not be verified"). */
  openEnvelope: operation<OpenEnvelopeParams, OpenEnvelopeResult>(isOpenEnvelopeParams),
};

export type CryptoOperations = SignaturesOf<typeof cryptoOperations>;

export const cryptoProtocol = defineProtocol(cryptoOperations);

export type CryptoRequest = OperationRequest<CryptoOperations>;
export type CryptoReply = Reply<CryptoOperations>;
