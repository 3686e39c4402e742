import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveAccountKeys } from '../src/shared/crypto/account-keys';
import { activationRequest } from '../src/server/testing/activation';
import { testEnvelope } from '../src/server/testing/envelopes';
import { expect, test } from './support/fixtures';
import { checkRunForLeaks } from './support/leak-check';
import type { RequestRecord, SecretRecord } from './support/leak-record';
import { findLeaks, type Piece } from './support/leak-scan';

// The leak check after the run is only as good as its scanner: here it meets real keys in every form it
// must catch, and the real ciphertext (a sealed key backup, envelopes) and public keys it must let be.

const piece = (bytes: Buffer | string, where = 'a file'): Piece => ({
  where,
  bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes),
});

/** Bytes around the key as a database page or a JSON body would have them, and at every alignment. */
const embeddings = (form: string): string[] => [
  form,
  `{"blob":"${form}"}`,
  `alice-1a2b${form}`,
  `x${form}`,
  `xy${form}`,
  `\u0000\u0001ringpost\u0002${form}\u0003`,
];

function privateKeyForms(key: KeyObject): Record<string, Buffer | string> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const pkcs1 = key.export({ type: 'pkcs1', format: 'der' });
  const jwk = JSON.stringify(key.export({ format: 'jwk' }));
  return {
    'PKCS#8 PEM': key.export({ type: 'pkcs8', format: 'pem' }),
    'PKCS#1 PEM': key.export({ type: 'pkcs1', format: 'pem' }),
    'PKCS#8 DER': pkcs8,
    'PKCS#1 DER': pkcs1,
    'PKCS#8 DER after other bytes': Buffer.concat([Buffer.from('\u0007ab'), pkcs8]),
    'PKCS#8 base64': pkcs8.toString('base64'),
    'PKCS#8 base64url': pkcs8.toString('base64url'),
    'PKCS#1 base64': pkcs1.toString('base64'),
    'PKCS#1 base64url': pkcs1.toString('base64url'),
    'PKCS#8 base64, one byte into a blob': Buffer.concat([Buffer.from([1]), pkcs8]).toString('base64'),
    'PKCS#8 base64url, two bytes into a blob': Buffer.concat([Buffer.from([1, 2]), pkcs8]).toString(
      'base64url',
    ),
    'PKCS#8 hex': pkcs8.toString('hex'),
    'PKCS#1 HEX': pkcs1.toString('hex').toUpperCase(),
    'PKCS#8 base64 of its base64': Buffer.from(pkcs8.toString('base64')).toString('base64'),
    'PKCS#8 cut off after 200 bytes, base64url': pkcs8.subarray(0, 200).toString('base64url'),
    JWK: jwk,
    'JWK inside a JSON string': JSON.stringify({ key: jwk }),
    'JWK in base64': Buffer.from(jwk).toString('base64'),
  };
}

test.describe('the leak scanner', () => {
  for (const bits of [1024, 2048]) {
    test(`finds a real ${bits}-bit RSA private key in every form it could be written`, () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65_537 });
      for (const [name, form] of Object.entries(privateKeyForms(privateKey))) {
        const forms = typeof form === 'string' ? embeddings(form) : [form];
        for (const bytes of forms) expect(findLeaks([piece(bytes)], []).length, name).toBeGreaterThan(0);
      }
    });
  }

  test('finds the secret numbers of a key it knows, even alone and without any structure', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 65_537 });
    const jwk = privateKey.export({ format: 'jwk' });
    const secrets: SecretRecord[] = (['d', 'p', 'q', 'dp', 'dq', 'qi'] as const).map((member) => ({
      kind: 'key-number',
      value: jwk[member] ?? '',
      detail: member,
      story: 'a story',
    }));
    const number = (member: 'd' | 'p' | 'dq') => Buffer.from(jwk[member] ?? '', 'base64url');
    const forms = {
      'd in hex': number('d').toString('hex'),
      'p in decimal': BigInt(`0x${number('p').toString('hex')}`).toString(),
      'dq as base64url in a JSON field': JSON.stringify({ x: jwk.dq }),
      'd as base64, shifted by a byte': Buffer.concat([Buffer.from([9]), number('d')]).toString('base64'),
      'p as raw bytes': number('p'),
    };
    for (const [name, form] of Object.entries(forms)) {
      expect(findLeaks([piece(form)], []), `${name}, unknown key`).toEqual([]);
      const leaks = findLeaks([piece(form)], secrets);
      expect(leaks.length, name).toBeGreaterThan(0);
      expect(leaks[0]?.what, name).toMatch(/^private key member "(d|p|dq)"/);
    }
  });

  test('lets a real sealed key backup, public keys and envelopes be, though it knows the key inside', async () => {
    const accountName = 'backup-check';
    const { wrapKey } = await deriveAccountKeys(crypto, accountName, 'correct horse battery staple', 600_000);
    const { request, pkcs8 } = await activationRequest(accountName, wrapKey, 1024);
    const jwk = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({
      format: 'jwk',
    });
    const secrets: SecretRecord[] = (['d', 'p', 'q', 'dp', 'dq', 'qi'] as const).map((member) => ({
      kind: 'key-number',
      value: jwk[member] ?? '',
      detail: member,
      story: 'a story',
    }));
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65_537 });
    const envelope = testEnvelope({
      from: 'alice.1a2b3c',
      to: 'bob.4d5e6f',
      fromFingerprint: request.fingerprint,
    });
    const harmless = [
      piece(JSON.stringify(request), 'the activation request, with the sealed backup'),
      piece(Buffer.from(request.publicKey, 'base64url'), 'a public key, DER'),
      piece(publicKey.export({ type: 'spki', format: 'pem' }), 'a public key, PEM'),
      piece(publicKey.export({ type: 'pkcs1', format: 'pem' }), 'a public key, PKCS#1 PEM'),
      piece(JSON.stringify(publicKey.export({ format: 'jwk' })), 'a public key, JWK'),
      piece(JSON.stringify({ envelope }), 'a message'),
    ];
    expect(findLeaks(harmless, secrets)).toEqual([]);
    // The same scan does see the key the backup seals, once it is out of it.
    expect(findLeaks([piece(Buffer.from(pkcs8).toString('base64url'))], secrets).length).toBeGreaterThan(0);
  });

  test('finds a password or a message text however it was encoded, and not when it is absent', () => {
    const password = 'correct horse Zq9-xY staple';
    const message = 'meet me at 8 🌍 <b>ok</b> "quoted"';
    const secrets: SecretRecord[] = [
      { kind: 'password', value: password, detail: 'typed in a browser', story: 'a story' },
      { kind: 'message', value: message, detail: 'typed in a browser', story: 'a story' },
    ];
    for (const text of [password, message]) {
      const utf8 = Buffer.from(text);
      const forms = {
        'as typed': text,
        'inside JSON': JSON.stringify({ text }),
        'URL-encoded': `/api/x?q=${encodeURIComponent(text)}`,
        'form-encoded': new URLSearchParams({ q: text }).toString(),
        'JSON with \\u escapes': JSON.stringify(text).replace(
          /[\u007f-\uffff]/g,
          (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
        ),
        'base64 after another field': `{"a":"${Buffer.concat([Buffer.from('zz'), utf8]).toString('base64')}"}`,
        'base64url alone': utf8.toString('base64url'),
        hex: utf8.toString('hex'),
        'UTF-16': Buffer.from(text, 'utf16le'),
      };
      for (const [name, form] of Object.entries(forms)) {
        const leaks = findLeaks([piece(form, 'server.log')], secrets);
        expect(leaks.length, name).toBeGreaterThan(0);
        // The report names the secret, never spells it out.
        for (const leak of leaks) expect(JSON.stringify(leak), name).not.toContain(text.slice(0, 8));
      }
    }
    const clean = findLeaks(
      [piece('{"level":"info","method":"POST","path":"/api/messages","status":202}\ncorrect horse staple')],
      secrets,
    );
    expect(clean).toEqual([]);
  });
});

test.describe('the check after the run', () => {
  let dataDir = '';

  test.beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ringpost-leak-check-'));
    mkdirSync(join(dataDir, 'leak-check'));
    writeFileSync(join(dataDir, 'ringpost.sqlite'), 'SQLite format 3\u0000 alice.1a2b3c');
  });

  test.afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  function record(secrets: SecretRecord[], requests: RequestRecord[], log: string) {
    const lines = (records: object[]) => records.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    writeFileSync(join(dataDir, 'leak-check', 'secrets-1.jsonl'), lines(secrets));
    writeFileSync(join(dataDir, 'leak-check', 'requests-1.jsonl'), lines(requests));
    writeFileSync(join(dataDir, 'server.log'), log);
  }

  const password: SecretRecord = {
    kind: 'password',
    value: 'correct horse AbC123 staple',
    detail: 'typed in a browser',
    story: 'account.spec.ts › signs in',
  };
  const signIn: RequestRecord = {
    method: 'POST',
    url: 'http://127.0.0.1:1/api/session',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"name":"alice","authKey":"q83vEjRWeJA"}').toString('base64'),
    story: 'account.spec.ts › signs in',
  };

  test('passes a clean run, saying what it looked for', () => {
    record([password], [signIn], '{"level":"info","msg":"request"}\n');
    expect(checkRunForLeaks(dataDir)).toMatch(/^Leak check: none of 1 passwords, 0 message texts/);
  });

  test('fails with where and what leaked, without the secret itself', () => {
    record([password], [signIn], `{"level":"info","msg":"${password.value}"}\n`);
    let failure: unknown;
    try {
      checkRunForLeaks(dataDir);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Error);
    const report = (failure as Error).message;
    expect(report).toContain(
      'password (co…, 27 characters, typed in a browser in account.spec.ts › signs in)',
    );
    expect(report).toContain('as plain text, in server.log');
    expect(report).not.toContain(password.value);
  });

  test('fails when browsers signed in but no typed password was recorded', () => {
    record([{ ...password, detail: 'made by newPerson' }], [signIn], '');
    expect(() => checkRunForLeaks(dataDir)).toThrow(/the record is incomplete/);
  });
});

test('every spec takes `test` from support/fixtures, so every browser it opens is recorded', () => {
  const specs = readdirSync(import.meta.dirname).filter((name) => name.endsWith('.spec.ts'));
  expect(specs.length).toBeGreaterThan(5);
  for (const spec of specs) {
    const source = readFileSync(join(import.meta.dirname, spec), 'utf8');
    expect(source, spec).toMatch(/import \{[^}]*\btest\b[^}]*\} from '\.\/support\/fixtures';/);
  }
});
