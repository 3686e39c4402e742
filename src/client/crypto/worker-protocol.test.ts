import { describe, expect, it } from 'vitest';
import {
  activateReply,
  activateRequest,
  errorReply,
  isCryptoKeyLike,
  isCryptoReply,
  parseCryptoRequest,
  progressReply,
  requestIdOf,
  restoreReply,
  restoreRequest,
} from './worker-protocol';

const { subtle } = globalThis.crypto;
const wrapKey = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const backup = { v: 1, iv: 'AAAAAAAAAAAAAAAA', ct: 'AAAA' } as const;
const fingerprint = 'ab'.repeat(32);
const restoreParams = { backup, wrapKey, accountName: 'alice', spki: 'MIIB', fingerprint };

describe('requests', () => {
  it('builders make requests that parse back unchanged', () => {
    const activate = activateRequest(1, { bits: 1024, wrapKey, accountName: 'alice' });
    expect(activate).toEqual({
      id: 1,
      type: 'activate',
      params: { bits: 1024, wrapKey, accountName: 'alice' },
    });
    expect(parseCryptoRequest(activate)).toEqual(activate);
    const restore = restoreRequest(2, restoreParams);
    expect(restore).toEqual({ id: 2, type: 'restore', params: restoreParams });
    expect(parseCryptoRequest(restore)).toEqual(restore);
  });

  it('survive a structured clone, CryptoKey included', () => {
    const request = activateRequest(3, { bits: 2048, wrapKey, accountName: 'alice' });
    expect(parseCryptoRequest(structuredClone(request))).not.toBeNull();
  });

  it('refuses malformed requests but still finds their id', () => {
    const bad: unknown[] = [
      null,
      'activate',
      { id: 1, type: 'activate', params: { bits: 4096, wrapKey, accountName: 'alice' } },
      { id: 1, type: 'activate', params: { bits: '1024', wrapKey, accountName: 'alice' } },
      { id: 1, type: 'activate', params: { bits: 1024, wrapKey: 'key', accountName: 'alice' } },
      { id: 1, type: 'activate', params: { bits: 1024, wrapKey } },
      { id: 1, type: 'restore', params: { ...restoreParams, backup: { v: 2, iv: '', ct: '' } } },
      { id: 1, type: 'restore', params: { ...restoreParams, spki: undefined } },
      { id: 1, type: 'sign', params: {} },
      { id: 0, type: 'activate', params: { bits: 1024, wrapKey, accountName: 'alice' } },
      { id: 1.5, type: 'activate', params: { bits: 1024, wrapKey, accountName: 'alice' } },
    ];
    for (const data of bad) expect(parseCryptoRequest(data)).toBeNull();
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
  const activateResult = {
    spki: 'MIIB',
    fingerprint,
    bits: 1024 as const,
    backup,
    decryptKey: wrapKey,
    signKey: wrapKey,
    generateMs: 12,
    keygenPath: 'forge-native' as const,
  };

  it('builders make the documented shapes', () => {
    expect(progressReply(1, 'started', 0)).toEqual({
      kind: 'progress',
      id: 1,
      stage: 'started',
      elapsedMs: 0,
    });
    expect(activateReply(1, activateResult)).toEqual({
      kind: 'result',
      id: 1,
      ok: true,
      type: 'activate',
      result: activateResult,
    });
    expect(restoreReply(2, { decryptKey: wrapKey, signKey: wrapKey })).toMatchObject({
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
      activateReply(1, activateResult),
      restoreReply(2, { decryptKey: wrapKey, signKey: wrapKey }),
      errorReply(3, 'internal', 'boom'),
    ]) {
      expect(isCryptoReply(reply)).toBe(true);
      expect(isCryptoReply(structuredClone(reply))).toBe(true);
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
    for (const data of bad) expect(isCryptoReply(data)).toBe(false);
  });
});
