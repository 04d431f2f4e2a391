import { describe, expect, it } from 'vitest';
import { Scheduler, silentLogger, EVENT_JOB_EXECUTED, type JobExecutionEvent } from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';

describe('smoke', () => {
  it('runs an interval job on a fake clock', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const scheduler = new Scheduler({ clock, logger: silentLogger, timezone: 'UTC' });
    const runs: number[] = [];
    const events: JobExecutionEvent[] = [];
    scheduler.addListener((e) => events.push(e as JobExecutionEvent), EVENT_JOB_EXECUTED);
    await scheduler.addJob(() => runs.push(clock.now()), 'interval', { seconds: 3, id: 'tick' });
    await scheduler.start();
    await clock.advance(10_000);
    expect(runs.map((t) => t - Date.UTC(2026, 0, 1))).toEqual([3000, 6000, 9000]);
    expect(events).toHaveLength(3);
    await scheduler.shutdown();
  });
});
