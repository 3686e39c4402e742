import { describe, expect, it } from 'vitest';
import { errorReply, progressReply, requestIdOf } from './operation-protocol';
import { cryptoProtocol, isCryptoKeyLike, type ActivateResult } from './worker-protocol';

const { subtle } = globalThis.crypto;
const wrapKey = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const backup = { v: 1, iv: 'AAAAAAAAAAAAAAAA', ct: 'AAAA' } as const;
const fingerprint = 'ab'.repeat(32);
const backupParams = { backup, wrapKey, accountName: 'alice', spki: 'MIIB', fingerprint };
const { request, resultReply, parseRequest, isReply } = cryptoProtocol;

describe('requests', () => {
  it('builders make requests that parse back unchanged', () => {
    const activate = request(1, 'activate', { bits: 1024, wrapKey, accountName: 'alice' });
    expect(activate).toEqual({
      id: 1,
      type: 'activate',
      params: { bits: 1024, wrapKey, accountName: 'alice' },
    });
    expect(parseRequest(activate)).toEqual(activate);
    for (const type of ['restore', 'checkBackup'] as const) {
      const built = request(2, type, backupParams);
      expect(built).toEqual({ id: 2, type, params: backupParams });
      expect(parseRequest(built)).toEqual(built);
    }
  });

  it('survive a structured clone, CryptoKey included', () => {
    const built = request(3, 'activate', { bits: 2048, wrapKey, accountName: 'alice' });
    expect(parseRequest(structuredClone(built))).not.toBeNull();
  });

  it('refuses malformed requests but still finds their id', () => {
    const bad: unknown[] = [
      null,
      'activate',
      { id: 1, type: 'activate', params: { bits: 4096, wrapKey, accountName: 'alice' } },
      { id: 1, type: 'activate', params: { bits: '1024', wrapKey, accountName: 'alice' } },
      { id: 1, type: 'activate', params: { bits: 1024, wrapKey: 'key', accountName: 'alice' } },
      { id: 1, type: 'activate', params: { bits: 1024, wrapKey } },
      { id: 1, type: 'restore', params: { ...backupParams, backup: { v: 2, iv: '', ct: '' } } },
      { id: 1, type: 'restore', params: { ...backupParams, spki: undefined } },
      { id: 1, type: 'checkBackup', params: { ...backupParams, wrapKey: null } },
      { id: 1, type: 'sign', params: {} },
      // Names every object inherits are not operations.
      { id: 1, type: 'toString', params: {} },
      { id: 1, type: 'constructor', params: {} },
      { id: 0, type: 'activate', params: { bits: 1024, wrapKey, accountName: 'alice' } },
      { id: 1.5, type: 'activate', params: { bits: 1024, wrapKey, accountName: 'alice' } },
    ];
    for (const data of bad) expect(parseRequest(data), JSON.stringify(data)).toBeNull();
    expect(requestIdOf({ id: 7, type: 'sign' })).toBe(7);
    expect(requestIdOf({ id: '7' })).toBeNull();
    expect(requestIdOf(null)).toBeNull();
  });

  it('recognises CryptoKeys by shape', () => {
    expect(isCryptoKeyLike(wrapKey)).toBe(true);
    expect(isCryptoKeyLike({ type: 'secret' })).toBe(false);
    expect(isCryptoKeyLike(null)).toBe(false);
  });
});

describe('replies', () => {
  const activateResult: ActivateResult = {
    spki: 'MIIB',
    fingerprint,
    bits: 1024,
    backup,
    decryptKey: wrapKey,
    signKey: wrapKey,
    generateMs: 12,
    keygenPath: 'webcrypto',
  };

  it('builders make the documented shapes', () => {
    expect(progressReply(1, 'started', 0)).toEqual({
      kind: 'progress',
      id: 1,
      stage: 'started',
      elapsedMs: 0,
    });
    expect(resultReply(1, 'activate', activateResult)).toEqual({
      kind: 'result',
      id: 1,
      ok: true,
      type: 'activate',
      result: activateResult,
    });
    expect(resultReply(2, 'restore', { decryptKey: wrapKey, signKey: wrapKey })).toMatchObject({
      ok: true,
      type: 'restore',
    });
    expect(errorReply(3, 'backup_unopenable', 'nope')).toEqual({
      kind: 'error',
      id: 3,
      ok: false,
      error: { code: 'backup_unopenable', message: 'nope' },
    });
  });

  it('every built reply passes the guard', () => {
    for (const reply of [
      progressReply(1, 'generating', 40),
      progressReply(1, 'done', 80),
      resultReply(1, 'activate', activateResult),
      resultReply(2, 'restore', { decryptKey: wrapKey, signKey: wrapKey }),
      resultReply(3, 'checkBackup', { fingerprint }),
      errorReply(4, 'internal', 'boom'),
    ]) {
      expect(isReply(reply)).toBe(true);
      expect(isReply(structuredClone(reply))).toBe(true);
    }
  });

  it('the guard refuses anything else', () => {
    const bad: unknown[] = [
      undefined,
      { kind: 'progress', id: 1, stage: 'halfway', elapsedMs: 1 },
      { kind: 'progress', stage: 'started', elapsedMs: 1 },
      { kind: 'result', id: 1, ok: false, type: 'activate', result: {} },
      { kind: 'result', id: 1, ok: true, type: 'sign', result: {} },
      { kind: 'result', id: 1, ok: true, type: 'restore' },
      { kind: 'error', id: 1, ok: false, error: 'boom' },
      { kind: 'error', id: 1, ok: true, error: { code: 'internal', message: 'boom' } },
      { kind: 'other', id: 1 },
    ];
    for (const data of bad) expect(isReply(data)).toBe(false);
  });
});
