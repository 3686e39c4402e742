import type { CryptoErrorCode } from '../../shared/crypto/crypto-error';
import type { KeyBackupV1 } from '../../shared/crypto/key-backup';
import type { KeygenPath } from '../../shared/crypto/rsa-keygen';
import { rules, type KeyBits } from '../../shared/rules';

// The messages between the app and the crypto worker. Both sides import this file and nothing else of
// each other, so it must stay free of forge and of app code. Requests carry an id that every reply
// repeats; progress replies may come any number of times before the one result or error.
// CryptoKeys cross as structured clones, which works for non-extractable keys too: the PKCS#8 bytes
// stay inside the worker.

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

export interface RestoreParams {
  backup: KeyBackupV1;
  wrapKey: CryptoKey;
  accountName: string;
  /** The published SPKI, base64url; the restored private key must belong to it. */
  spki: string;
  fingerprint: string;
}

export interface RestoreResult {
  decryptKey: CryptoKey;
  signKey: CryptoKey;
}

interface Operations {
  activate: { params: ActivateParams; result: ActivateResult };
  restore: { params: RestoreParams; result: RestoreResult };
}

export type CryptoOperation = keyof Operations;
export type ParamsOf<K extends CryptoOperation> = Operations[K]['params'];
export type ResultOf<K extends CryptoOperation> = Operations[K]['result'];

export type CryptoRequest = {
  [K in CryptoOperation]: { id: number; type: K; params: ParamsOf<K> };
}[CryptoOperation];

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

export type ResultReply = {
  [K in CryptoOperation]: { kind: 'result'; id: number; ok: true; type: K; result: ResultOf<K> };
}[CryptoOperation];

export interface ErrorReply {
  kind: 'error';
  id: number;
  ok: false;
  error: { code: WorkerErrorCode; message: string };
}

export type CryptoReply = ProgressReply | ResultReply | ErrorReply;

export function activateRequest(id: number, params: ActivateParams): CryptoRequest {
  return { id, type: 'activate', params };
}

export function restoreRequest(id: number, params: RestoreParams): CryptoRequest {
  return { id, type: 'restore', params };
}

export function progressReply(id: number, stage: ProgressStage, elapsedMs: number): ProgressReply {
  return { kind: 'progress', id, stage, elapsedMs };
}

export function activateReply(id: number, result: ActivateResult): ResultReply {
  return { kind: 'result', id, ok: true, type: 'activate', result };
}

export function restoreReply(id: number, result: RestoreResult): ResultReply {
  return { kind: 'result', id, ok: true, type: 'restore', result };
}

export function errorReply(id: number, code: WorkerErrorCode, message: string): ErrorReply {
  return { kind: 'error', id, ok: false, error: { code, message } };
}

// Guards check shape only, cheaply and without crypto code; the worker validates contents (base64url,
// fingerprints, backups) with the shared crypto functions and answers bad input with an error reply.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isKeyBits(value: unknown): value is KeyBits {
  return rules.keyBitsAllowed.some((bits) => bits === value);
}

function isBackupShape(value: unknown): value is KeyBackupV1 {
  return isRecord(value) && value.v === 1 && typeof value.iv === 'string' && typeof value.ct === 'string';
}

function isActivateParams(value: unknown): value is ActivateParams {
  return (
    isRecord(value) &&
    isKeyBits(value.bits) &&
    isCryptoKeyLike(value.wrapKey) &&
    typeof value.accountName === 'string'
  );
}

function isRestoreParams(value: unknown): value is RestoreParams {
  return (
    isRecord(value) &&
    isBackupShape(value.backup) &&
    isCryptoKeyLike(value.wrapKey) &&
    typeof value.accountName === 'string' &&
    typeof value.spki === 'string' &&
    typeof value.fingerprint === 'string'
  );
}

/** The request, or null when `data` is not one (the worker then answers bad_request if it has an id). */
export function parseCryptoRequest(data: unknown): CryptoRequest | null {
  if (!isRecord(data) || !isRequestId(data.id)) return null;
  const { id, type, params } = data;
  if (type === 'activate' && isActivateParams(params)) return activateRequest(id, params);
  if (type === 'restore' && isRestoreParams(params)) return restoreRequest(id, params);
  return null;
}

/** The id of a message that may be a malformed request, so the worker can still answer it. */
export function requestIdOf(data: unknown): number | null {
  return isRecord(data) && isRequestId(data.id) ? data.id : null;
}

const STAGES: readonly unknown[] = ['started', 'generating', 'done'] satisfies ProgressStage[];

export function isCryptoReply(data: unknown): data is CryptoReply {
  if (!isRecord(data) || !isRequestId(data.id)) return false;
  switch (data.kind) {
    case 'progress':
      return STAGES.includes(data.stage) && typeof data.elapsedMs === 'number';
    case 'result':
      return (
        data.ok === true && (data.type === 'activate' || data.type === 'restore') && isRecord(data.result)
      );
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
}
