import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateServerKey, loadServerKeys, messageAad, parseServerKeys, serverKeyring } from './server-keys';

describe('server keys', () => {
  it('makes DATA_DIR/server-key (0600) on first start and reads the same key afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringpost-key-'));
    try {
      const first = loadServerKeys(null, dir);
      const file = join(dir, 'server-key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/^v1:[A-Za-z0-9_-]{43}\n$/);
      expect(loadServerKeys(null, dir)).toEqual(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('seals under the newest version and opens every configured one', () => {
    const v1 = generateServerKey(1);
    const old = serverKeyring([v1]).seal('hello', messageAad('s', 'm'));
    const rotated = serverKeyring([generateServerKey(2), v1]);
    expect(rotated.open(old, messageAad('s', 'm'))).toBe('hello');
    expect(rotated.seal('x', 'a').keyVersion).toBe(2);
    expect(() => serverKeyring([generateServerKey(2)]).open(old, messageAad('s', 'm'))).toThrow(/v1/);
    expect(() => rotated.open(old, messageAad('s', 'other'))).toThrow();
    expect(typeof parseServerKeys('v1:short')).toBe('string');
  });
});
