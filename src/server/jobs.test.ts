import { describe, expect, it } from 'vitest';
import { manualClock } from './clock';
import { createJobRunner } from './jobs';
import { memoryLogger } from './log';

describe('the jobs runner', () => {
  it('runs each job on its interval from the injected clock, and stops', async () => {
    const clock = manualClock(0);
    const { log } = memoryLogger();
    const runs: number[] = [];
    const runner = createJobRunner({
      clock,
      log,
      jobs: [{ name: 'sweep', everyMs: 1_000, run: () => Promise.resolve(void runs.push(clock.now())) }],
    });
    runner.start();
    await clock.advance(3_500);
    expect(runs).toEqual([1_000, 2_000, 3_000]);
    await runner.stop();
    await clock.advance(5_000);
    expect(runs).toHaveLength(3);
  });

  it('never overlaps a slow run with the next tick, and stop waits for the run under way', async () => {
    const clock = manualClock(0);
    const { log } = memoryLogger();
    let started = 0;
    let finish: () => void = () => undefined;
    const runner = createJobRunner({
      clock,
      log,
      jobs: [
        {
          name: 'slow',
          everyMs: 100,
          run: () => {
            started += 1;
            return new Promise<void>((resolve) => (finish = resolve));
          },
        },
      ],
    });
    runner.start();
    await clock.advance(500);
    expect(started).toBe(1);
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await clock.advance(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('logs a failing run and keeps running the job', async () => {
    const clock = manualClock(0);
    const { log, lines } = memoryLogger();
    let calls = 0;
    const runner = createJobRunner({
      clock,
      log,
      jobs: [
        {
          name: 'flaky',
          everyMs: 10,
          run: () => (++calls === 1 ? Promise.reject(new Error('store away')) : Promise.resolve()),
        },
      ],
    });
    runner.start();
    await clock.advance(30);
    expect(calls).toBe(3);
    expect(lines.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({ job: 'flaky', msg: 'job failed' }),
    ]);
    await runner.stop();
    await expect(runner.runNow('missing')).rejects.toThrow('No job named missing.');
  });
});
