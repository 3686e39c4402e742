import { describe, expect, it } from 'vitest';
import { CLIPBOARD_OFFER_MS, createClipboardKeeper } from './clipboard-keeper';

/** A clipboard that may refuse writes, and timers that run only when told. */
function setUp() {
  const written: string[] = [];
  let refuse = false;
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  let now = 0;
  const keeper = createClipboardKeeper({
    writeText: (text) => {
      if (refuse) return Promise.reject(new DOMException('Document is not focused.', 'NotAllowedError'));
      written.push(text);
      return Promise.resolve();
    },
    setTimeout: (run, ms) => {
      const timer = { at: now + ms, run, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
  });
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.splice(0)) {
      if (timer.cancelled) continue;
      if (timer.at <= now) timer.run();
      else timers.push(timer);
    }
  };
  return { keeper, written, advance, refuse: (value: boolean) => (refuse = value) };
}

describe('the clipboard keeper', () => {
  it('copies, then offers to clear only once 30 s have passed, and clears with an empty text', async () => {
    const { keeper, written, advance } = setUp();
    await keeper.copy('the vault code is 4711');
    expect(written).toEqual(['the vault code is 4711']);
    expect(keeper.state()).toEqual({ kind: 'copied' });
    advance(CLIPBOARD_OFFER_MS - 1);
    expect(keeper.state()).toEqual({ kind: 'copied' });
    advance(1);
    expect(keeper.state()).toEqual({ kind: 'offer' });
    await keeper.clear();
    expect(written).toEqual(['the vault code is 4711', '']);
    expect(keeper.state()).toEqual({ kind: 'cleared' });
  });

  it('starts the 30 s again on a new copy, and makes no offer once the person keeps or clears it', async () => {
    const { keeper, advance } = setUp();
    await keeper.copy('first');
    advance(20_000);
    await keeper.copy('second');
    advance(20_000);
    expect(keeper.state()).toEqual({ kind: 'copied' });
    advance(10_000);
    expect(keeper.state()).toEqual({ kind: 'offer' });
    keeper.dismiss();
    expect(keeper.state()).toEqual({ kind: 'idle' });
    await keeper.copy('third');
    await keeper.clear();
    advance(CLIPBOARD_OFFER_MS);
    expect(keeper.state()).toEqual({ kind: 'cleared' });
  });

  it('says so when the browser refuses a copy or a clear, and a later clear can still succeed', async () => {
    const { keeper, written, refuse } = setUp();
    refuse(true);
    await keeper.copy('secret');
    expect(keeper.state()).toEqual({ kind: 'failed', action: 'copy' });
    refuse(false);
    await keeper.copy('secret');
    refuse(true);
    await keeper.clear();
    expect(keeper.state()).toEqual({ kind: 'failed', action: 'clear' });
    refuse(false);
    await keeper.clear();
    expect(keeper.state()).toEqual({ kind: 'cleared' });
    expect(written).toEqual(['secret', '']);
  });

  it('tells its listeners of every change', async () => {
    const { keeper, advance } = setUp();
    let heard = 0;
    const stop = keeper.subscribe(() => (heard += 1));
    await keeper.copy('x');
    advance(CLIPBOARD_OFFER_MS);
    stop();
    await keeper.clear();
    expect(heard).toBe(2);
  });
});
