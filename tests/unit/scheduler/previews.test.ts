// `Scheduler.getNextRunTimes` and `Job.getNextRunTimes`: fire times asked of the trigger, nothing
// changed.
import { describe, expect, it } from 'vitest';
import {
  CronTrigger,
  DateTrigger,
  IntervalTrigger,
  InvalidArgumentError,
  JobLookupError,
  MAX_PREVIEW_COUNT,
} from '../../../src/index.js';
import { T0, at, rejection, useSchedulers } from './helpers.js';

const setup = useSchedulers();
const HOUR = 3_600_000;

describe('getNextRunTimes', () => {
  it("previews a job's fire times from its next run time, in its zone, changing nothing", async () => {
    const { clock, scheduler } = setup();
    // 09:00 in Shanghai is 01:00 UTC; T0 is 2026-01-01 00:00 UTC, a Thursday.
    const job = await scheduler.addJob(() => undefined, 'cron', {
      dayOfWeek: 'mon-fri',
      hour: 9,
      timezone: 'Asia/Shanghai',
      id: 'report',
    });
    await scheduler.start();
    const expected = [1, 2, 5, 6].map((day) => new Date(Date.UTC(2026, 0, day, 1)));
    expect(await scheduler.getNextRunTimes('report', 4)).toEqual(expected);
    expect(await job.getNextRunTimes(4)).toEqual(expected);
    // Later, from the job's next run time as it is then, not from the time of the call.
    await clock.advance(HOUR + 1);
    expect(await scheduler.getNextRunTimes('report', 1)).toEqual([expected[1]]);
    expect((await scheduler.getJob('report'))?.nextRunTime).toEqual(expected[1]);
  });

  it('previews a paused job from now, and any trigger from `from` (default now)', async () => {
    const { clock, scheduler } = setup();
    await scheduler.addJob(() => undefined, 'interval', { hours: 1, id: 'paused', nextRunTime: null });
    await scheduler.start();
    await clock.advance(10 * 60_000);
    expect(await scheduler.getNextRunTimes('paused', 2)).toEqual([at(70 * 60_000), at(130 * 60_000)]);
    const trigger = CronTrigger.fromCrontab('0 12 * * *', { timezone: 'UTC' });
    expect(await scheduler.getNextRunTimes(trigger, 2)).toEqual([at(12 * HOUR), at(36 * HOUR)]);
    const from = new Date(Date.UTC(2026, 5, 1, 13));
    expect(await scheduler.getNextRunTimes(trigger, 1, { from })).toEqual([
      new Date(Date.UTC(2026, 5, 2, 12)),
    ]);
  });

  it('returns fewer times when the trigger ends, and works before start for a pending job', async () => {
    const { scheduler } = setup();
    await scheduler.addJob(() => undefined, 'interval', {
      minutes: 30,
      endDate: at(HOUR + 1),
      id: 'short',
    });
    expect(await scheduler.getNextRunTimes('short', 10)).toEqual([at(HOUR / 2), at(HOUR)]);
    expect(await scheduler.getNextRunTimes(new DateTrigger({ runDate: at(5000) }), 3)).toEqual([at(5000)]);
  });

  it('refuses a bad count, a bad `from`, something that is not a trigger, and an unknown id', async () => {
    const { scheduler } = setup();
    const trigger = new IntervalTrigger({ seconds: 1 });
    for (const count of [0, -1, 1.5, MAX_PREVIEW_COUNT + 1, Number.NaN]) {
      const error = await rejection(scheduler.getNextRunTimes(trigger, count));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ field: 'count' });
    }
    expect(await scheduler.getNextRunTimes(trigger, MAX_PREVIEW_COUNT)).toHaveLength(MAX_PREVIEW_COUNT);
    const badFrom = await rejection(scheduler.getNextRunTimes(trigger, 1, { from: new Date(Number.NaN) }));
    expect(badFrom).toMatchObject({ field: 'from' });
    const notTrigger = await rejection(scheduler.getNextRunTimes({} as never, 1));
    expect(notTrigger).toBeInstanceOf(InvalidArgumentError);
    expect(notTrigger).toMatchObject({ field: 'idOrTrigger' });
    expect(await rejection(scheduler.getNextRunTimes('nope', 1))).toBeInstanceOf(JobLookupError);
    expect(T0).toBe(at(0).getTime());
  });
});
