import { createDecipheriv, hkdfSync, pbkdf2Sync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { pinBlobSchema } from '../protocol/ring';
import { deriveAccountKeys } from './account-keys';
import { webCryptoEnv } from './crypto-env';
import { fromBase64Url, toBase64Url, toHex, utf8 } from './encoding';
import {
  openPinSet,
  parsePinBlob,
  parsePinSet,
  PIN_RECORD_MAX_KEY_CHANGES,
  PIN_SET_MAX_MEMBERS,
  PIN_SET_MAX_PLAINTEXT_BYTES,
  pinBlobAdditionalData,
  sealPinSet,
  type PinBlobV1,
  type PinRecord,
  type PinSetV1,
} from './pin-blob';
import { codeOf, refusal } from './testing/refusal';

const env = webCryptoEnv(globalThis.crypto);
const { subtle, randomBytes } = env;

function wrapKeyFrom(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return subtle.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

const pin = (fingerprint: string, at: number, overrides: Partial<PinRecord> = {}): PinRecord => ({
  fingerprint,
  pinnedAt: at,
  verifiedAt: null,
  updatedAt: at,
  keyChanges: [],
  ...overrides,
});

const pins: PinSetV1 = {
  v: 1,
  members: {
    bob: pin('12'.repeat(32), 1_000, { verifiedAt: 2_000, updatedAt: 2_000 }),
    dave: pin('34'.repeat(32), 3_000, {
      keyChanges: [{ fingerprint: '56'.repeat(32), detectedAt: 4_000, resolvedAt: null }],
      updatedAt: 4_000,
    }),
  },
};

// Sealed once by sealPinSet with the wrap key deriveAccountKeys makes for account "alice", password
// "correct horse battery staple" and 600,000 PBKDF2 iterations. Never regenerate: this is the frozen v1
// format, and every browser's saved pins depend on it.
const SAVED_V1_ACCOUNT = 'alice';
const SAVED_V1_PASSWORD = 'correct horse battery staple';
const SAVED_V1_ITERATIONS = 600_000;
const SAVED_V1_BLOB: PinBlobV1 = {
  v: 1,
  iv: 'Eyk4x4WPeuA5KIgN',
  ct: 'bkad8r65iuJD_1rmEFx9Wb-MLXO8OhzrtxTY3Uk9KSpG7XT4qq461QdURUc96SOS1GN_3gOGHXWcoxWv3x6D7uHMYJ3d0b-VPNFavLes1kHJRZRUFeT_rhnxGoRD_VhJcQUjOv8S5FrubZ4vwZDjW9XaSVSTCvilmXGVfceXYDu7FwB_bPr50RoqF8GM1329bGYRA-BTH7NVl6iKebLwRWG4HZ4qqsYgTQrXQYuQj4M65vMUvibvgejOKC-dapAvBxmku0hSLwbKSjJdlHcBVoIrMP9U02kpzrhMyGa7uXBUa4FgnaS93aTulUlaHgSrHM-UgVClF30VX4avVb5mKVetvq1eNQab-i0GyWjPnjoUMR00x2fxeLqUSjUPsT26SlAuhSf6ca0te33ZO65zMDOvpXgJqGl0dA9nqzrRQed4VDP6aKuMETE-JNGF4Thci-v368iyCIhwC6lIrXLQbn0Q3N2q_qbKoX76YtyKVBGjFqBBiOgvVDl5zIfI2Ly_5z8Joe4MDd09RZSlKlkQa0ZRynM0FyxPiRK8hpTPyYpiKW46F01FFm_I4uFkYFUNeZDDmZZvX3v4reIV1FcSmeaJyD1b5BB9i4fTHkovKzkpAChMlnH0880MoyzVqIjp0kibrC_rv1XmLglATBq9u4ohH-WFmnCX4r8eATBa7vkqP45CvdXY-pNe6oAmzoxgCvVnQQ',
};
/** What SAVED_V1_BLOB holds. */
const SAVED_V1_PINS: PinSetV1 = {
  v: 1,
  members: {
    bob: {
      fingerprint: 'dd04bfb83f280745ae36937ba28370cd3f956f92f863cb801c24b02a1b17eed2',
      pinnedAt: 1_767_225_600_000,
      verifiedAt: 1_767_229_200_000,
      updatedAt: 1_767_229_200_000,
      keyChanges: [],
    },
    'carol.k': {
      fingerprint: 'ab'.repeat(32),
      pinnedAt: 1_767_312_000_000,
      verifiedAt: 1_767_484_800_000,
      updatedAt: 1_767_571_200_000,
      keyChanges: [{ fingerprint: 'cd'.repeat(32), detectedAt: 1_767_398_400_000, resolvedAt: null }],
    },
  },
};
/** The v1 additional data for account "alice", spelled out byte for byte. */
const SAVED_V1_AAD_HEX = '0000001072696e67706f73742f70696e732f763100000005616c696365';

/** A set with `count` members, each with `changes` key changes. */
function bigPinSet(count: number, changes = 0): PinSetV1 {
  const members: Record<string, PinRecord> = {};
  for (let i = 0; i < count; i++) {
    members[`member${i}`] = pin('ef'.repeat(32), 1_767_225_600_000 + i, {
      keyChanges: Array.from({ length: changes }, (_, j) => ({
        fingerprint: '01'.repeat(32),
        detectedAt: 1_767_225_600_000 + j,
        resolvedAt: null,
      })),
    });
  }
  return { v: 1, members };
}

describe('pin blob v1', () => {
  let wrapKey: CryptoKey;
  beforeAll(async () => {
    wrapKey = await wrapKeyFrom(randomBytes(32));
  });

  it('round-trips the pin set, through JSON, under any spelling of the account name', async () => {
    const blob = await sealPinSet(env, { wrapKey, accountName: 'alice', pins });
    expect(blob.v).toBe(1);
    expect(fromBase64Url(blob.iv)).toHaveLength(12);
    const stored: unknown = JSON.parse(JSON.stringify(blob));
    expect(await openPinSet(env, { wrapKey, accountName: ' ALICE ', blob: stored })).toEqual(pins);
  });

  it('round-trips an empty set', async () => {
    const empty: PinSetV1 = { v: 1, members: {} };
    const blob = await sealPinSet(env, { wrapKey, accountName: 'alice', pins: empty });
    expect(await openPinSet(env, { wrapKey, accountName: 'alice', blob })).toEqual(empty);
  });

  it('uses a fresh IV every time', async () => {
    const a = await sealPinSet(env, { wrapKey, accountName: 'alice', pins });
    const b = await sealPinSet(env, { wrapKey, accountName: 'alice', pins });
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it('makes blobs the server accepts, up to the largest set that fits', async () => {
    const blob = await sealPinSet(env, { wrapKey, accountName: 'alice', pins });
    expect(pinBlobSchema.safeParse(blob).success).toBe(true);

    // The most members whose JSON a blob may hold, by bisection.
    const fits = (n: number) => utf8(JSON.stringify(bigPinSet(n))).length <= PIN_SET_MAX_PLAINTEXT_BYTES;
    let count = 1;
    let tooMany = PIN_SET_MAX_MEMBERS;
    while (tooMany - count > 1) {
      const middle = Math.floor((count + tooMany) / 2);
      if (fits(middle)) count = middle;
      else tooMany = middle;
    }
    const largest = await sealPinSet(env, { wrapKey, accountName: 'alice', pins: bigPinSet(count) });
    expect(pinBlobSchema.safeParse(largest).success).toBe(true);
    expect(await openPinSet(env, { wrapKey, accountName: 'alice', blob: largest })).toEqual(bigPinSet(count));
    expect(
      await codeOf(() => sealPinSet(env, { wrapKey, accountName: 'alice', pins: bigPinSet(count + 1) })),
    ).toBe('pins_too_large');
  });

  it('refuses a wrong wrap key (wrong password)', async () => {
    const blob = await sealPinSet(env, { wrapKey, accountName: 'alice', pins });
    const otherKey = await wrapKeyFrom(randomBytes(32));
    expect(await codeOf(() => openPinSet(env, { wrapKey: otherKey, accountName: 'alice', blob }))).toBe(
      'pins_unopenable',
    );
  });

  it('refuses a blob that opens but holds no JSON, saying so', async () => {
    // Sealed the way sealPinSet seals, so it opens; what it holds is the fault.
    for (const inner of [utf8('not json'), new Uint8Array([0xff, 0xfe])]) {
      const iv = randomBytes(12);
      const ct = await subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: pinBlobAdditionalData('alice'), tagLength: 128 },
        wrapKey,
        inner,
      );
      const blob = { v: 1, iv: toBase64Url(iv), ct: toBase64Url(new Uint8Array(ct)) };
      const refused = openPinSet(env, { wrapKey, accountName: 'alice', blob });
      await expect(refused).rejects.toMatchObject({
        code: 'pins_malformed',
        message: 'The pin set is not UTF-8 JSON.',
      });
      await expect(refused).rejects.toHaveProperty('cause');
    }
  });

  it("refuses another account's blob", async () => {
    const blob = await sealPinSet(env, { wrapKey, accountName: 'alice', pins });
    expect(await codeOf(() => openPinSet(env, { wrapKey, accountName: 'mallory', blob }))).toBe(
      'pins_unopenable',
    );
  });

  it('refuses any altered byte of ciphertext, tag or IV', async () => {
    const blob = await sealPinSet(env, { wrapKey, accountName: 'alice', pins });
    const ct = fromBase64Url(blob.ct);
    for (const index of [0, 50, ct.length - 17, ct.length - 1]) {
      const altered = new Uint8Array(ct);
      altered[index] = (altered[index] ?? 0) ^ 0x01;
      const tampered = { ...blob, ct: toBase64Url(altered) };
      expect(await codeOf(() => openPinSet(env, { wrapKey, accountName: 'alice', blob: tampered }))).toBe(
        'pins_unopenable',
      );
    }
    for (const index of [0, 11]) {
      const iv = fromBase64Url(blob.iv);
      iv[index] = (iv[index] ?? 0) ^ 0x80;
      const tampered = { ...blob, iv: toBase64Url(iv) };
      expect(await codeOf(() => openPinSet(env, { wrapKey, accountName: 'alice', blob: tampered }))).toBe(
        'pins_unopenable',
      );
    }
  });

  it('refuses malformed blobs before decrypting, and other versions by name', async () => {
    const blob = await sealPinSet(env, { wrapKey, accountName: 'alice', pins });
    const bad: unknown[] = [
      null,
      'blob',
      [],
      { iv: blob.iv, ct: blob.ct },
      { ...blob, v: '1' },
      { ...blob, extra: true },
      { v: 1, iv: blob.iv },
      { ...blob, iv: 5 },
      { ...blob, iv: blob.iv.slice(2) },
      { ...blob, iv: blob.iv + '=' },
      { ...blob, ct: 'AAAA' },
      { ...blob, ct: 'A'.repeat(200_004) },
      { ...blob, ct: blob.ct + '!' },
    ];
    for (const value of bad) {
      expect(await codeOf(() => openPinSet(env, { wrapKey, accountName: 'alice', blob: value }))).toBe(
        'pins_malformed',
      );
    }
    expect(await codeOf(() => parsePinBlob({ ...blob, v: 2 }))).toBe('pins_version_unsupported');
    expect(
      await codeOf(() => openPinSet(env, { wrapKey, accountName: 'alice', blob: { ...blob, v: 2 } })),
    ).toBe('pins_version_unsupported');
  });

  it('refuses an authentic blob whose plaintext is not a pin set', async () => {
    const additionalData = pinBlobAdditionalData('alice');
    for (const text of ['not json', '{"v":1,"members":[]}', '{"v":2,"members":{}}']) {
      const iv = randomBytes(12);
      const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, wrapKey, utf8(text));
      const blob = { v: 1, iv: toBase64Url(iv), ct: toBase64Url(new Uint8Array(ct)) };
      expect(await codeOf(() => openPinSet(env, { wrapKey, accountName: 'alice', blob }))).toBe(
        text.includes('"v":2') ? 'pins_version_unsupported' : 'pins_malformed',
      );
    }
  });

  it('refuses to seal a set that would not parse back', async () => {
    const broken = { v: 1, members: { bob: { ...pin('12'.repeat(32), 1), fingerprint: 'x' } } } as PinSetV1;
    expect(await codeOf(() => sealPinSet(env, { wrapKey, accountName: 'alice', pins: broken }))).toBe(
      'pins_malformed',
    );
  });

  it('still opens the saved v1 blob (the format is frozen)', async () => {
    const { wrapKey: savedKey } = await deriveAccountKeys(
      env,
      SAVED_V1_ACCOUNT,
      SAVED_V1_PASSWORD,
      SAVED_V1_ITERATIONS,
    );
    expect(
      await openPinSet(env, { wrapKey: savedKey, accountName: SAVED_V1_ACCOUNT, blob: SAVED_V1_BLOB }),
    ).toEqual(SAVED_V1_PINS);
  });

  it('defines v1 exactly: AES-256-GCM under the wrap key, 12-byte IV, 16-byte tag, JSON plaintext', () => {
    expect(toHex(pinBlobAdditionalData(SAVED_V1_ACCOUNT))).toBe(SAVED_V1_AAD_HEX);
    // Derive the wrap key and decrypt the saved blob without any Ringpost code, from DESIGN §4 alone.
    const master = pbkdf2Sync(
      SAVED_V1_PASSWORD,
      `ringpost/account/v1/${SAVED_V1_ACCOUNT}`,
      SAVED_V1_ITERATIONS,
      32,
      'sha256',
    );
    const wrapKeyBytes = Buffer.from(
      hkdfSync('sha256', master, Buffer.alloc(32), 'ringpost/wrap-key/v1', 32),
    );
    const ct = Buffer.from(SAVED_V1_BLOB.ct, 'base64url');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      wrapKeyBytes,
      Buffer.from(SAVED_V1_BLOB.iv, 'base64url'),
    );
    decipher.setAAD(Buffer.from(SAVED_V1_AAD_HEX, 'hex'));
    decipher.setAuthTag(ct.subarray(ct.length - 16));
    const plain = Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]);
    expect(JSON.parse(plain.toString('utf8'))).toEqual(SAVED_V1_PINS);
  });
});

describe('parsePinSet', () => {
  const good = pin('12'.repeat(32), 1_000);
  const change = { fingerprint: '34'.repeat(32), detectedAt: 2_000, resolvedAt: null };

  it('accepts a well-formed set and puts members in name order', () => {
    const parsed = parsePinSet({ v: 1, members: { zed: good, bob: { ...good, keyChanges: [change] } } });
    expect(Object.keys(parsed.members)).toEqual(['bob', 'zed']);
    expect(parsed.members.bob?.keyChanges).toEqual([change]);
  });

  it('refuses malformed plaintext', () => {
    const bad: unknown[] = [
      null,
      [],
      'pins',
      { members: {} },
      { v: '1', members: {} },
      { v: 1 },
      { v: 1, members: [] },
      { v: 1, members: {}, extra: 1 },
      { v: 1, members: { bob: null } },
      { v: 1, members: { Bob: good } },
      { v: 1, members: { ' bob': good } },
      { v: 1, members: { bo: good } },
      { v: 1, members: { 'bob!': good } },
      JSON.parse('{"v":1,"members":{"__proto__":{}}}'),
      { v: 1, members: { bob: { ...good, extra: 1 } } },
      { v: 1, members: { bob: { ...good, fingerprint: 'AB'.repeat(32) } } },
      { v: 1, members: { bob: { ...good, fingerprint: '12'.repeat(31) } } },
      { v: 1, members: { bob: { ...good, pinnedAt: -1 } } },
      { v: 1, members: { bob: { ...good, pinnedAt: 1.5 } } },
      { v: 1, members: { bob: { ...good, updatedAt: '1' } } },
      { v: 1, members: { bob: { ...good, verifiedAt: undefined } } },
      { v: 1, members: { bob: { ...good, keyChanges: null } } },
      { v: 1, members: { bob: { ...good, keyChanges: [{ ...change, resolvedAt: 'no' }] } } },
      { v: 1, members: { bob: { ...good, keyChanges: [{ ...change, fingerprint: 'x' }] } } },
      { v: 1, members: { bob: { ...good, keyChanges: [{ ...change, extra: 1 }] } } },
      {
        v: 1,
        members: {
          bob: { ...good, keyChanges: Array.from({ length: PIN_RECORD_MAX_KEY_CHANGES + 1 }, () => change) },
        },
      },
      bigPinSet(PIN_SET_MAX_MEMBERS + 1),
    ];
    for (const value of bad) {
      expect(() => parsePinSet(value), JSON.stringify(value)?.slice(0, 80)).toThrow(
        expect.objectContaining({ code: 'pins_malformed' }),
      );
    }
    expect(() => parsePinSet({ v: 2, members: {} })).toThrow(
      expect.objectContaining({ code: 'pins_version_unsupported' }),
    );
  });

  it('accepts the bounds themselves', () => {
    expect(Object.keys(parsePinSet(bigPinSet(PIN_SET_MAX_MEMBERS)).members)).toHaveLength(
      PIN_SET_MAX_MEMBERS,
    );
    expect(parsePinSet(bigPinSet(1, PIN_RECORD_MAX_KEY_CHANGES)).members.member0?.keyChanges).toHaveLength(
      PIN_RECORD_MAX_KEY_CHANGES,
    );
  });
});

describe('the pin checks say what is wrong', () => {
  const good = pin('12'.repeat(32), 1_000);
  const change = { fingerprint: '34'.repeat(32), detectedAt: 2_000, resolvedAt: null };
  const b64 = (length: number) => toBase64Url(new Uint8Array(length));
  const goodBlob = { v: 1, iv: b64(12), ct: b64(17) };
  const bob = (record: unknown) => ({ v: 1, members: { bob: record } });

  it.each<[string, unknown, string]>([
    ['null', null, 'pins_malformed: The pin blob is not an object.'],
    ['an array', [goodBlob], 'pins_malformed: The pin blob is not an object.'],
    ['a string', 'v1', 'pins_malformed: The pin blob is not an object.'],
    ['no version', { iv: goodBlob.iv, ct: goodBlob.ct }, 'pins_malformed: The pin blob has no version.'],
    ['version 3', { ...goodBlob, v: 3 }, 'pins_version_unsupported: Pin blob version 3 is not supported.'],
    ['a fourth field', { ...goodBlob, x: 1 }, 'pins_malformed: The pin blob has unexpected fields.'],
    ['two fields', { v: 1, iv: goodBlob.iv, x: 1 }, 'pins_malformed: The pin blob has unexpected fields.'],
    ['a numeric IV', { ...goodBlob, iv: 1 }, 'pins_malformed: The pin blob lacks its IV or ciphertext.'],
    [
      'a numeric ciphertext',
      { ...goodBlob, ct: 1 },
      'pins_malformed: The pin blob lacks its IV or ciphertext.',
    ],
    ['an IV of 13 bytes', { ...goodBlob, iv: b64(13) }, 'pins_malformed: The pin blob IV must be 12 bytes.'],
    [
      'an IV in base64',
      { ...goodBlob, iv: 'AAAA+AAAAAAAAAAA' },
      "pins_malformed: The pin blob's IV is not base64url.",
    ],
    [
      'a ciphertext in base64',
      { ...goodBlob, ct: 'AA/A' },
      "pins_malformed: The pin blob's ciphertext is not base64url.",
    ],
    ['only a tag', { ...goodBlob, ct: b64(16) }, 'pins_malformed: The pin blob ciphertext has a bad length.'],
    [
      'too long',
      { ...goodBlob, ct: b64(150_001) },
      'pins_malformed: The pin blob ciphertext has a bad length.',
    ],
  ])('a blob: refuses %s', (_label, value, expected) => {
    expect(refusal(() => parsePinBlob(value))).toBe(expected);
  });

  it('a blob: accepts the shortest and the longest ciphertext', () => {
    expect(parsePinBlob(goodBlob)).toEqual(goodBlob);
    const longest = { ...goodBlob, ct: b64(150_000) };
    expect(parsePinBlob(longest)).toEqual(longest);
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'The pin set is not an object.'],
    ['no version', { members: {} }, 'The pin set has no version.'],
    ['too many members', bigPinSet(PIN_SET_MAX_MEMBERS + 1), 'The pin set has too many members.'],
    ['no members', { v: 1 }, 'The pin set has unexpected fields.'],
    ['a list of members', { v: 1, members: [] }, 'The pin set has unexpected fields.'],
    ['a third field', { v: 1, members: {}, x: 1 }, 'The pin set has unexpected fields.'],
    [
      'a name not normalized',
      { v: 1, members: { Bob: good } },
      'The pin set names a member with an invalid community name.',
    ],
    [
      'a name too short',
      { v: 1, members: { bo: good } },
      'The pin set names a member with an invalid community name.',
    ],
    ['a pin that is not one', bob(null), 'The pin of bob is not a pin.'],
    ['a pin with a field more', bob({ ...good, x: 1 }), 'The pin of bob is not a pin.'],
    [
      'a pin with a field less',
      bob({ fingerprint: good.fingerprint, pinnedAt: 1, verifiedAt: null, updatedAt: 1 }),
      'The pin of bob is not a pin.',
    ],
    [
      'a bad fingerprint',
      bob({ ...good, fingerprint: 'AB'.repeat(32) }),
      'The pin of bob has a bad fingerprint.',
    ],
    ['a negative pinning time', bob({ ...good, pinnedAt: -1 }), 'The pin of bob has a bad time.'],
    ['a fractional update time', bob({ ...good, updatedAt: 1.5 }), 'The pin of bob has a bad time.'],
    ['a verification time in words', bob({ ...good, verifiedAt: 'today' }), 'The pin of bob has a bad time.'],
    [
      'no list of key changes',
      bob({ ...good, keyChanges: {} }),
      'The pin of bob has a bad list of key changes.',
    ],
    [
      'too many key changes',
      bob({ ...good, keyChanges: Array.from({ length: PIN_RECORD_MAX_KEY_CHANGES + 1 }, () => change) }),
      'The pin of bob has a bad list of key changes.',
    ],
    [
      'a key change that is not one',
      bob({ ...good, keyChanges: [null] }),
      'A key change of bob is not a key change.',
    ],
    [
      'a key change with a field more',
      bob({ ...good, keyChanges: [{ ...change, x: 1 }] }),
      'A key change of bob is not a key change.',
    ],
    [
      'a key change with a bad fingerprint',
      bob({ ...good, keyChanges: [{ ...change, fingerprint: 'x' }] }),
      'A key change of bob has a bad fingerprint.',
    ],
    [
      'a key change detected at no time',
      bob({ ...good, keyChanges: [{ ...change, detectedAt: null }] }),
      'A key change of bob has a bad time.',
    ],
    [
      'a key change resolved in words',
      bob({ ...good, keyChanges: [{ ...change, resolvedAt: 'no' }] }),
      'A key change of bob has a bad time.',
    ],
  ])('a set: refuses %s', (_label, value, expected) => {
    expect(refusal(() => parsePinSet(value))).toBe(`pins_malformed: ${expected}`);
  });

  it('a set: names the versions it does not know, and takes the times that may be empty', () => {
    expect(refusal(() => parsePinSet({ v: 2, members: {} }))).toBe(
      'pins_version_unsupported: Pin set version 2 is not supported.',
    );
    const resolved = { ...change, resolvedAt: 3_000 };
    const kept = parsePinSet(bob({ ...good, pinnedAt: 0, verifiedAt: 5, keyChanges: [resolved, change] }));
    expect(kept.members.bob).toEqual({ ...good, pinnedAt: 0, verifiedAt: 5, keyChanges: [resolved, change] });
  });
});
