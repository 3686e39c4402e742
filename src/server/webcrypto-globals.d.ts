// src/shared/crypto is written against the Web Crypto API and runs in the browser, the worker and Node.
// @types/node exposes `crypto.subtle` but not the Web Crypto type names, so the Node program borrows
// them from node:crypto's webcrypto namespace; browser programs get them from lib.dom / lib.webworker.
import type { webcrypto } from 'node:crypto';

declare global {
  type CryptoKey = webcrypto.CryptoKey;
  type CryptoKeyPair = webcrypto.CryptoKeyPair;
  type SubtleCrypto = webcrypto.SubtleCrypto;
  type BufferSource = webcrypto.BufferSource;
  type KeyUsage = webcrypto.KeyUsage;
  type KeyFormat = webcrypto.KeyFormat;
  type JsonWebKey = webcrypto.JsonWebKey;
  type AlgorithmIdentifier = webcrypto.AlgorithmIdentifier;
  type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
  type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
  type RsaOaepParams = webcrypto.RsaOaepParams;
  type RsaPssParams = webcrypto.RsaPssParams;
  type AesGcmParams = webcrypto.AesGcmParams;
  type AesKeyGenParams = webcrypto.AesKeyGenParams;
  type HkdfParams = webcrypto.HkdfParams;
  type Pbkdf2Params = webcrypto.Pbkdf2Params;
}

export {};
