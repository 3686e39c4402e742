import { describe, expect, it } from 'vitest';
import { manualClock } from './clock';

describe('the manual clock', () => {
  it('fires due timers in time order as it advances, each at its own time', async () => {
    const clock = manualClock(1_000);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 100);
    const cancel = clock.setTimeout(() => fired.push(['never', clock.now()]), 150);
    cancel();
    await clock.advance(150);
    expect(fired).toEqual([['a', 1_100]]);
    expect(clock.now()).toBe(1_150);
    await clock.advance(1_000);
    expect(fired).toEqual([
      ['a', 1_100],
      ['b', 1_200],
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('repeats intervals until cancelled', async () => {
    const clock = manualClock(0);
    const ticks: number[] = [];
    const stop = clock.setInterval(() => ticks.push(clock.now()), 25);
    await clock.advance(100);
    expect(ticks).toEqual([25, 50, 75, 100]);
    stop();
    await clock.advance(100);
    expect(ticks).toHaveLength(4);
  });

  it('lets work started by one timer finish before the next fires', async () => {
    const clock = manualClock(0);
    const order: string[] = [];
    clock.setTimeout(() => {
      void (async () => {
        await Promise.resolve();
        order.push('first, after an await');
      })();
    }, 10);
    clock.setTimeout(() => order.push('second'), 20);
    await clock.advance(20);
    expect(order).toEqual(['first, after an await', 'second']);
  });

  it('sleeps until advanced, and stops sleeping when aborted', async () => {
    const clock = manualClock(0);
    let woke = false;
    const sleeping = clock.sleep(1_000).then(() => (woke = true));
    await clock.advance(999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);

    const abort = new AbortController();
    const aborted = clock.sleep(1_000, abort.signal);
    abort.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.pendingTimers()).toBe(0);
  });
});
