// Type tests of the per-alias trigger options through the public API, checked by `npm run
// typecheck` (tsconfig.json includes tests): each `expectTypeOf` must hold and each line after a
// `@ts-expect-error` must fail to compile. The calls sit in functions that are never called, so at
// run time these tests do nothing. Which key the compilers name in their errors (under TypeScript
// 5.9 and 7) is checked by job-options.test.ts, on its fixtures.
import { describe, expectTypeOf, it } from 'vitest';
import {
  CronTrigger,
  IntervalTrigger,
  type AddJobOptions,
  type CronFieldValue,
  type Job,
  type RescheduleOptions,
  type Scheduler,
  type Trigger,
  type TriggerAlias,
} from '../../src/index.js';

declare const scheduler: Scheduler;
declare const job: Job;
const report = (name: string) => name.length;
const hourly = CronTrigger.fromCrontab('0 * * * *');
/** Type-checks `calls` without running them. */
const compiles = (calls: () => unknown) => expectTypeOf(calls).toBeFunction();

describe('trigger aliases', () => {
  it('are the six registered trigger types', () => {
    expectTypeOf<TriggerAlias>().toEqualTypeOf<
      'date' | 'interval' | 'cron' | 'calendarinterval' | 'and' | 'or'
    >();
  });

  it("give addJob each alias's own options, typed, beside the job options", () => {
    expectTypeOf<AddJobOptions<'date'>['runDate']>().toEqualTypeOf<Date | string | number>();
    expectTypeOf<AddJobOptions<'interval'>['minutes']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<AddJobOptions<'cron'>['hour']>().toEqualTypeOf<CronFieldValue | undefined>();
    expectTypeOf<AddJobOptions<'calendarinterval'>['months']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<AddJobOptions<'and'>['triggers']>().toEqualTypeOf<Trigger[]>();
    expectTypeOf<AddJobOptions<'or'>['triggers']>().toEqualTypeOf<Trigger[]>();
    expectTypeOf<AddJobOptions<'cron'>>().toHaveProperty('maxInstances');
    expectTypeOf<AddJobOptions<'interval'>>().not.toHaveProperty('hour');
    expectTypeOf<AddJobOptions<'cron'>>().not.toHaveProperty('minutes');
    expectTypeOf<AddJobOptions<'date'>>().not.toHaveProperty('jitter');
    // A trigger instance brings its own options; only the job's go beside it.
    expectTypeOf<AddJobOptions<IntervalTrigger>>().not.toHaveProperty('seconds');
  });
});

describe('addJob', () => {
  it('accepts each alias with its options, and returns the job', () =>
    compiles(() => {
      expectTypeOf(scheduler.addJob(report, 'cron', { hour: 3 })).toEqualTypeOf<Promise<Job>>();
      expectTypeOf(
        scheduler.addJob(report, 'cron', { dayOfWeek: 'mon-fri', hour: '9-17', minute: 0 }),
      ).toEqualTypeOf<Promise<Job>>();
      void scheduler.addJob(report, 'interval', { minutes: 5, startDate: '2026-01-01 00:00', jitter: 2 });
      void scheduler.addJob(report, 'date', { runDate: new Date(), args: ['now'] });
      void scheduler.addJob(report, 'calendarinterval', { months: 1, hour: 8, timezone: 'Europe/Berlin' });
      void scheduler.addJob(report, 'and', { triggers: [hourly, new IntervalTrigger({ hours: 2 })] });
      void scheduler.addJob(report, 'or', { triggers: [hourly], jitter: 1, id: 'either' });
    }));

  it('refuses a wrong type, an option of another alias, a missing run date and an unknown alias', () =>
    compiles(() => {
      // @ts-expect-error hour is a number or a cron expression, not a boolean
      void scheduler.addJob(report, 'cron', { hour: true });
      // @ts-expect-error seconds is a number
      void scheduler.addJob(report, 'interval', { seconds: '5' });
      // @ts-expect-error runDate is a Date, a string or epoch ms
      void scheduler.addJob(report, 'date', { runDate: [2026, 1, 1] });
      // @ts-expect-error triggers are Trigger instances, not aliases
      void scheduler.addJob(report, 'or', { triggers: ['cron'] });
      // @ts-expect-error hour belongs to cron and calendarinterval, not interval
      void scheduler.addJob(report, 'interval', { hour: 3 });
      // @ts-expect-error minutes belongs to interval, not cron
      void scheduler.addJob(report, 'cron', { minutes: 5 });
      // @ts-expect-error years belongs to calendarinterval, not cron
      void scheduler.addJob(report, 'cron', { years: 1 });
      // @ts-expect-error a date trigger has no jitter
      void scheduler.addJob(report, 'date', { runDate: 0, jitter: 5 });
      // @ts-expect-error the date alias needs its run date
      void scheduler.addJob(report, 'date', { id: 'once' });
      // @ts-expect-error the and alias needs its triggers
      void scheduler.addJob(report, 'and', { jitter: 1 });
      // @ts-expect-error there is no 'cronn' trigger
      void scheduler.addJob(report, 'cronn');
      // @ts-expect-error there is no 'cronn' trigger
      void scheduler.addJob(report, 'cronn', { hour: 3 });
    }));
});

describe('rescheduleJob and Job.reschedule', () => {
  it('take each alias with its own options (and the job store), and return the job', () =>
    compiles(() => {
      expectTypeOf(scheduler.rescheduleJob('x', 'cron', { hour: 4 })).toEqualTypeOf<Promise<Job>>();
      void scheduler.rescheduleJob('x', 'interval', { seconds: 30, jobStore: 'default' });
      void scheduler.rescheduleJob('x', 'date', { runDate: '2030-01-01 09:00' });
      void scheduler.rescheduleJob('x', 'calendarinterval', { weeks: 2 });
      void scheduler.rescheduleJob('x', 'or', { triggers: [hourly] });
      void scheduler.rescheduleJob('x', hourly);
      expectTypeOf(job.reschedule('cron', { minute: '*/5' })).toEqualTypeOf<Promise<Job>>();
      void job.reschedule('interval', { hours: 1 });
    }));

  it('refuse a wrong type, an option of another alias, a job option and an unknown alias', () => {
    expectTypeOf<RescheduleOptions<'interval'>>().not.toHaveProperty('hour');
    expectTypeOf<RescheduleOptions<'cron'>>().not.toHaveProperty('coalesce');
    compiles(() => {
      // @ts-expect-error minute is a number or a cron expression
      void scheduler.rescheduleJob('x', 'cron', { minute: null });
      // @ts-expect-error hour belongs to cron and calendarinterval, not interval
      void scheduler.rescheduleJob('x', 'interval', { hour: 3 });
      // @ts-expect-error a job option: modifyJob changes it, not rescheduleJob
      void scheduler.rescheduleJob('x', 'cron', { hour: 3, coalesce: false });
      // @ts-expect-error there is no 'cronn' trigger
      void scheduler.rescheduleJob('x', 'cronn', { hour: 3 });
      // @ts-expect-error the job store is the job's own
      void job.reschedule('cron', { hour: 3, jobStore: 'other' });
      // @ts-expect-error days is a number
      void job.reschedule('calendarinterval', { days: '1' });
    });
  });
});

describe('scheduledJob', () => {
  it('takes each alias with its options, all optional, and gives back the function', () =>
    compiles(() => {
      expectTypeOf(scheduler.scheduledJob('cron', { hour: 8 })(report)).toEqualTypeOf<typeof report>();
      scheduler.scheduledJob('interval', { minutes: 5, name: 'every five' })(report);
      scheduler.scheduledJob('date', { id: 'once' })(report);
      scheduler.scheduledJob('calendarinterval', { days: 1, hour: 6 })(report);
      scheduler.scheduledJob(hourly, { maxInstances: 2 })(report);
    }));

  it('refuses a wrong type, an option of another alias and an unknown alias', () =>
    compiles(() => {
      // @ts-expect-error second is a number or a cron expression
      scheduler.scheduledJob('cron', { second: {} })(report);
      // @ts-expect-error weeks belongs to interval and calendarinterval, not cron
      scheduler.scheduledJob('cron', { weeks: 1 })(report);
      // @ts-expect-error a trigger instance brings its own options
      scheduler.scheduledJob(hourly, { hour: 3 })(report);
      // @ts-expect-error there is no 'cronn' trigger
      scheduler.scheduledJob('cronn')(report);
    }));
});
