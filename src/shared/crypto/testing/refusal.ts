import { CryptoError, type CryptoErrorCode } from '../crypto-error';

/**
 * What a crypto check says when it refuses, as `code: message`, or 'accepted' when it does not: tests
 * compare the exact sentence a person would read. Anything other than a CryptoError is a bug in the
 * check, so it is thrown on rather than compared.
 */
export function refusal(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

/** The code a check refuses with, sync or async; 'other error' for anything that is not a CryptoError. */
export async function codeOf(run: () => unknown): Promise<CryptoErrorCode | 'no error' | 'other error'> {
  try {
    await run();
    return 'no error';
  } catch (error) {
    return error instanceof CryptoError ? error.code : 'other error';
  }
}
