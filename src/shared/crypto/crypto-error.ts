/** Every way the key material can be refused; callers switch on the code, never on message text. */
export type CryptoErrorCode =
  | 'unsupported_key_size'
  | 'unsupported_exponent'
  | 'unsupported_key_type'
  | 'invalid_public_key'
  | 'invalid_private_key'
  | 'invalid_fingerprint'
  | 'fingerprint_mismatch'
  | 'key_mismatch'
  | 'key_self_test_failed'
  | 'keygen_unavailable'
  | 'keygen_failed'
  | 'backup_malformed'
  | 'backup_version_unsupported'
  | 'backup_unopenable'
  | 'pins_malformed'
  | 'pins_version_unsupported'
  | 'pins_unopenable'
  | 'pins_too_large'
  | 'message_text_invalid'
  | 'envelope_malformed'
  | 'envelope_version_unsupported'
  | 'envelope_mismatch'
  | 'envelope_signature_invalid'
  | 'envelope_unopenable'
  | 'envelope_padding_invalid';

export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CryptoError';
    this.code = code;
  }
}

export function isCryptoError(value: unknown): value is CryptoError {
  return value instanceof CryptoError;
}
