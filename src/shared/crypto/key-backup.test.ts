import { createDecipheriv } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeName } from '../name-rules';
import type { CryptoError } from './crypto-error';
import { fromBase64Url, toBase64Url, toHex } from './encoding';
import {
  keyBackupAdditionalData,
  openKeyBackup,
  parseKeyBackup,
  sealKeyBackup,
  type KeyBackupV1,
} from './key-backup';
import { webCryptoEnv } from './crypto-env';
import { TEST_RSA_1024_FINGERPRINT, TEST_RSA_1024_PKCS8_BASE64 } from './test-vectors';
import { codeOf, refusal } from './testing/refusal';

const env = webCryptoEnv(globalThis.crypto);
const { subtle, randomBytes } = env;
const pkcs8 = new Uint8Array(Buffer.from(TEST_RSA_1024_PKCS8_BASE64, 'base64'));
const context = { accountName: 'alice', fingerprint: TEST_RSA_1024_FINGERPRINT };
const OTHER_FINGERPRINT = 'ab'.repeat(32);

/** Like the wrap key from account-keys.ts: non-extractable AES-256-GCM, encrypt and decrypt. */
function wrapKeyFrom(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return subtle.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

// Made once by sealKeyBackup with wrap key bytes 00 01 02 … 1f, account "alice" and the fixed test key.
// Never regenerate: this is the frozen v1 format.
const SAVED_V1_KEY = new Uint8Array(32).map((_, i) => i);
const SAVED_V1_BACKUP: KeyBackupV1 = {
  v: 1,
  iv: '9eqFNckz4f1joBGn',
  ct: 'dHZywAHztrNF3mQcPbZIYD81VUgMlHRYy4HTADCFf24jQOOH34ArxGBw3-N6CchX01Aw1rRAGPOhEdvD2UKqpPzT11bItB8k33G5e7Qje9FlKx9tiAY2uMrtfSuEhW4FTwu2qotU7urcYMHJfROyh1cnR_GFxkrxfefSMXJ5FdQ30A1T9f0UNR-Qb5Qefp0F58TrtVAy1SABgABZCv2pOmpTQLcIcq0A9WCT30Gw-8PnHUMgspD4rUOXs5cO2ONyxaeI3vKTkUqjYVo5yg2US5KR0TKHYY4Oxy8vty39XCfJ_rsVPH9Feyos8WCslfUqwfwwVXEbZSOodlGQRYH3qmORKR7WZN1Zs3a5nScj1slRV8glskrUYKeSEM9YuCnLBEyH553rYMGDXIK9RC4srIc8w5o8cjIGInb4YquUchiZKBJct8upIMGdiYmP4dihE8nDWHxoUcZUyX5Wt9fMs14xVADPHg9KDBuhOLsY1iAFNjUxd3mkYx4ptqkEDh3gsXog8vVw9cdOaAvSrtBfMY2caPEta4dRxXRmX90JchmecWi0x_ieVPsOxNOJoHMnLk9tLizVK1P46OgeIWTmH-PmQxkIh2DVEYzlFA58tt_uYf0A1xyl_dE7L5MvME9yyuy5r_nl1Ob2QryHnMbWmuaSFuOOa6y4G8XOpYIC1uc3qBaHhXHTXwwI5M00d4puilTm7GyKmKt7Twr3A63K_3pdZ53NLRIIBcL81Mx9AJD36YEv_U9Dl-YlOBdCm9mpTJp4yHoRgHdiPmXsfGnWkZkPoyw92svYEGvSCaKZ-eNKkTzEQ8mCvP3XOqwUBhDTzRkv6mgxTpdk6s-XMYseOY-kXLBPwFJAvuwb',
};
/** The v1 additional data for SAVED_V1_BACKUP, spelled out byte for byte. */
const SAVED_V1_AAD_HEX =
  '0000001672696e67706f73742f6b65792d6261636b75702f763100000005616c6963650000004064643034626662383366323830373435616533363933376261323833373063643366393536663932663836336362383031633234623032613162313765656432';

describe('key backup v1', () => {
  let wrapKey: CryptoKey;
  beforeAll(async () => {
    wrapKey = await wrapKeyFrom(randomBytes(32));
  });

  it('round-trips the PKCS#8 bytes', async () => {
    const backup = await sealKeyBackup(env, { ...context, wrapKey, pkcs8 });
    expect(backup.v).toBe(1);
    expect(fromBase64Url(backup.iv)).toHaveLength(12);
    expect(fromBase64Url(backup.ct)).toHaveLength(pkcs8.length + 16);
    expect(await openKeyBackup(env, { ...context, wrapKey, backup })).toEqual(pkcs8);
  });

  it('survives JSON and binds the normalized account name', async () => {
    const backup = await sealKeyBackup(env, { ...context, wrapKey, pkcs8 });
    const stored: unknown = JSON.parse(JSON.stringify(backup));
    const opened = await openKeyBackup(env, {
      ...context,
      accountName: ' ALICE ',
      wrapKey,
      backup: stored,
    });
    expect(opened).toEqual(pkcs8);
  });

  it('binds any spelling of the account name to its normalized form', () => {
    for (const raw of ['alice', ' Alice ', 'ＡＬＩＣＥ', 'ﬁona', 'Ⅻ.bob', 'İlker', 'ǅemal_-.9']) {
      const expected = keyBackupAdditionalData({ ...context, accountName: normalizeName(raw) });
      expect(keyBackupAdditionalData({ ...context, accountName: raw })).toEqual(expected);
    }
  });

  it('uses a fresh IV every time', async () => {
    const a = await sealKeyBackup(env, { ...context, wrapKey, pkcs8 });
    const b = await sealKeyBackup(env, { ...context, wrapKey, pkcs8 });
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it('refuses a wrong wrap key (wrong password)', async () => {
    const backup = await sealKeyBackup(env, { ...context, wrapKey, pkcs8 });
    const otherKey = await wrapKeyFrom(randomBytes(32));
    expect(await codeOf(() => openKeyBackup(env, { ...context, wrapKey: otherKey, backup }))).toBe(
      'backup_unopenable',
    );
  });

  it('refuses another account or another public key', async () => {
    const backup = await sealKeyBackup(env, { ...context, wrapKey, pkcs8 });
    expect(
      await codeOf(() => openKeyBackup(env, { ...context, accountName: 'mallory', wrapKey, backup })),
    ).toBe('backup_unopenable');
    expect(
      await codeOf(() => openKeyBackup(env, { ...context, fingerprint: OTHER_FINGERPRINT, wrapKey, backup })),
    ).toBe('backup_unopenable');
  });

  it('refuses any altered byte of ciphertext, tag or IV', async () => {
    const backup = await sealKeyBackup(env, { ...context, wrapKey, pkcs8 });
    const ct = fromBase64Url(backup.ct);
    for (const index of [0, 100, ct.length - 1]) {
      const altered = new Uint8Array(ct);
      altered[index] = (altered[index] ?? 0) ^ 0x01;
      const tampered = { ...backup, ct: toBase64Url(altered) };
      expect(await codeOf(() => openKeyBackup(env, { ...context, wrapKey, backup: tampered }))).toBe(
        'backup_unopenable',
      );
    }
    const iv = fromBase64Url(backup.iv);
    iv[0] = (iv[0] ?? 0) ^ 0x80;
    const newIv = { ...backup, iv: toBase64Url(iv) };
    expect(await codeOf(() => openKeyBackup(env, { ...context, wrapKey, backup: newIv }))).toBe(
      'backup_unopenable',
    );
  });

  it('refuses malformed backups before decrypting', async () => {
    const backup = await sealKeyBackup(env, { ...context, wrapKey, pkcs8 });
    const bad: unknown[] = [
      null,
      'backup',
      [],
      { iv: backup.iv, ct: backup.ct },
      { ...backup, v: '1' },
      { ...backup, extra: true },
      { ...backup, iv: backup.iv.slice(2) },
      { ...backup, iv: backup.iv + '=' },
      { ...backup, ct: 'AAAA' },
      { ...backup, ct: 'A'.repeat(6_000) },
    ];
    for (const value of bad) {
      expect(await codeOf(() => openKeyBackup(env, { ...context, wrapKey, backup: value }))).toBe(
        'backup_malformed',
      );
    }
    expect(() => parseKeyBackup({ ...backup, v: 2 })).toThrow(
      expect.objectContaining({ code: 'backup_version_unsupported' }),
    );
    expect(await codeOf(() => openKeyBackup(env, { ...context, fingerprint: 'x', wrapKey, backup }))).toBe(
      'invalid_fingerprint',
    );
  });

  it('still opens the saved v1 backup (the format is frozen)', async () => {
    const savedKey = await wrapKeyFrom(new Uint8Array(SAVED_V1_KEY));
    expect(await openKeyBackup(env, { ...context, wrapKey: savedKey, backup: SAVED_V1_BACKUP })).toEqual(
      pkcs8,
    );
  });

  it('defines v1 exactly: AES-256-GCM, 12-byte IV, 16-byte tag, length-prefixed additional data', () => {
    expect(toHex(keyBackupAdditionalData(context))).toBe(SAVED_V1_AAD_HEX);
    // Decrypt the saved backup without any Ringpost code, from the bytes alone.
    const ct = Buffer.from(SAVED_V1_BACKUP.ct, 'base64url');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      Buffer.from(SAVED_V1_KEY),
      Buffer.from(SAVED_V1_BACKUP.iv, 'base64url'),
    );
    decipher.setAAD(Buffer.from(SAVED_V1_AAD_HEX, 'hex'));
    decipher.setAuthTag(ct.subarray(ct.length - 16));
    const plain = Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]);
    expect(new Uint8Array(plain)).toEqual(pkcs8);
  });
});

describe('parseKeyBackup says what is wrong', () => {
  const b64 = (length: number) => toBase64Url(new Uint8Array(length));
  const good = { v: 1, iv: b64(12), ct: b64(17) };

  it.each<[string, unknown, string]>([
    ['null', null, 'backup_malformed: The key backup is not an object.'],
    ['an array', [good], 'backup_malformed: The key backup is not an object.'],
    ['a string', 'v1', 'backup_malformed: The key backup is not an object.'],
    ['no version', { iv: good.iv, ct: good.ct, x: 1 }, 'backup_malformed: The key backup has no version.'],
    ['a version in words', { ...good, v: '1' }, 'backup_malformed: The key backup has no version.'],
    ['version 2', { ...good, v: 2 }, 'backup_version_unsupported: Key backup version 2 is not supported.'],
    ['a fourth field', { ...good, note: '' }, 'backup_malformed: The key backup has unexpected fields.'],
    ['two fields', { v: 1, iv: good.iv }, 'backup_malformed: The key backup has unexpected fields.'],
    ['a numeric IV', { ...good, iv: 12 }, 'backup_malformed: The key backup lacks its IV or ciphertext.'],
    [
      'a numeric ciphertext',
      { ...good, ct: 17 },
      'backup_malformed: The key backup lacks its IV or ciphertext.',
    ],
    ['an IV of 11 bytes', { ...good, iv: b64(11) }, 'backup_malformed: The key backup IV must be 12 bytes.'],
    ['an IV of 13 bytes', { ...good, iv: b64(13) }, 'backup_malformed: The key backup IV must be 12 bytes.'],
    [
      'an IV in base64',
      { ...good, iv: 'AAAA+AAAAAAAAAAA' },
      "backup_malformed: The key backup's IV is not base64url.",
    ],
    [
      'a ciphertext in base64',
      { ...good, ct: 'AA/A' },
      "backup_malformed: The key backup's ciphertext is not base64url.",
    ],
    [
      'a ciphertext of only a tag',
      { ...good, ct: b64(16) },
      'backup_malformed: The key backup ciphertext has a bad length.',
    ],
    [
      'a ciphertext too long',
      { ...good, ct: b64(4_113) },
      'backup_malformed: The key backup ciphertext has a bad length.',
    ],
  ])('refuses %s', (_label, value, expected) => {
    expect(refusal(() => parseKeyBackup(value))).toBe(expected);
  });

  it('accepts the shortest and the longest ciphertext, and gives back only the three fields', () => {
    expect(parseKeyBackup(good)).toEqual(good);
    const longest = { ...good, ct: b64(4_112) };
    expect(parseKeyBackup(longest)).toEqual(longest);
  });

  it('names the account name and the fingerprint in the additional data by their lengths, not by where they end', () => {
    const a = keyBackupAdditionalData({ accountName: 'ab', fingerprint: TEST_RSA_1024_FINGERPRINT });
    const b = keyBackupAdditionalData({ accountName: 'a', fingerprint: TEST_RSA_1024_FINGERPRINT });
    expect(toHex(a)).not.toBe(toHex(b));
    expect(() => keyBackupAdditionalData({ accountName: 'a', fingerprint: 'x' })).toThrow(
      expect.objectContaining({
        code: 'invalid_fingerprint',
        message: 'A fingerprint is 64 lowercase hex digits.',
      }) as CryptoError,
    );
  });
});

it('says in words that a backup does not open, and keeps why', async () => {
  const wrongKey = await wrapKeyFrom(randomBytes(32));
  await expect(
    openKeyBackup(env, { ...context, wrapKey: wrongKey, backup: SAVED_V1_BACKUP }),
  ).rejects.toMatchObject({
    code: 'backup_unopenable',
    message: 'The key backup does not open with this password for this account and key.',
    cause: expect.any(Error) as Error,
  });
});
