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

// The interface shows a refusal's message as it is, so each must be a whole sentence.
const SENTENCE = /^[A-Z].{8,}[.?!]$/s;

/**
 * The code a check refuses with, sync or async; 'other error' for anything that is not a CryptoError,
 * 'no sentence' for a CryptoError whose message is not a sentence a person could read.
 */
export async function codeOf(
  run: () => unknown,
): Promise<CryptoErrorCode | 'no error' | 'other error' | 'no sentence'> {
  try {
    await run();
    return 'no error';
  } catch (error) {
    if (!(error instanceof CryptoError)) return 'other error';
    return SENTENCE.test(error.message) ? error.code : 'no sentence';
  }
}
