import { encodedAccountSalt } from '../../shared/crypto/account-keys';
import type { Account, KdfParams } from '../../shared/protocol/account';

/** The KDF parameters of an account name, real or not: one answer shape for both. */
export function kdfParams(name: string, iterations: number): KdfParams {
  return { algorithm: 'PBKDF2-SHA-256', iterations, salt: encodedAccountSalt(name) };
}

export function accountView(account: { name: string; createdAt: number; kdfIterations: number }): Account {
  return {
    name: account.name,
    createdAt: account.createdAt,
    kdf: kdfParams(account.name, account.kdfIterations),
  };
}
