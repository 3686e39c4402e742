import { describe, expect, it } from 'vitest';
import { readPushPosition, savePushPosition } from './push-position';

// Runs in Chromium, on the app's real IndexedDB.

const account = () => `push-${crypto.randomUUID()}`;

describe('the push position', () => {
  it('starts afresh for an account that has none, then resumes from the last saved id', async () => {
    const name = account();
    expect(await readPushPosition(name)).toBeNull();
    await savePushPosition(name, '41', 1_000);
    await savePushPosition(name, '42', 2_000);
    expect(await readPushPosition(name)).toBe(42);
  });

  it('keeps each account’s position apart', async () => {
    const [alice, bob] = [account(), account()];
    await savePushPosition(alice, '7');
    await savePushPosition(bob, '900');
    expect(await readPushPosition(alice)).toBe(7);
    expect(await readPushPosition(bob)).toBe(900);
  });

  it('ignores what is not an event id: a stream that has sent none reports ""', async () => {
    const name = account();
    await savePushPosition(name, '12');
    for (const junk of ['', '0', '-3', '1.5', '12abc', ' 13', '1'.repeat(16)]) {
      await savePushPosition(name, junk);
    }
    expect(await readPushPosition(name)).toBe(12);
  });
});
