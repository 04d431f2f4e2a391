// Type tests of the operations API of issue 14 (run now, previews, health, descriptions), checked
// by `npm run typecheck`: each `expectTypeOf` must hold and each line after a `@ts-expect-error`
// must fail to compile. At run time they do nothing (`typesOf` never calls its function).
import { describe, expectTypeOf, it } from 'vitest';
import {
  CronTrigger,
  Job,
  Scheduler,
  describeTrigger,
  type JobHealth,
  type JobSubmittedEvent,
  type RunRecord,
  type SchedulerHealth,
  type Trigger,
} from '../../src/index.js';

declare const scheduler: Scheduler;
declare const job: Job;
declare const trigger: Trigger;

/** Type-checks `check` without running it: `scheduler`, `job` and `trigger` exist only as types. */
function typesOf(_check: () => void): void {}

describe('operations types', () => {
  it('runJob and Job.runNow resolve to nothing, with an optional store', () => {
    typesOf(() => {
      expectTypeOf(scheduler.runJob('id')).toEqualTypeOf<Promise<void>>();
      expectTypeOf(scheduler.runJob('id', { jobStore: 'db' })).toEqualTypeOf<Promise<void>>();
      expectTypeOf(job.runNow()).toEqualTypeOf<Promise<void>>();
      // @ts-expect-error: a job id is a string
      void scheduler.runJob(42);
    });
  });

  it('getNextRunTimes takes a job id or a trigger, a count and options', () => {
    typesOf(() => {
      expectTypeOf(scheduler.getNextRunTimes('id', 5)).toEqualTypeOf<Promise<Date[]>>();
      expectTypeOf(scheduler.getNextRunTimes(trigger, 5, { from: new Date() })).toEqualTypeOf<
        Promise<Date[]>
      >();
      expectTypeOf(scheduler.getNextRunTimes(new CronTrigger({ hour: 9 }), 3)).toEqualTypeOf<
        Promise<Date[]>
      >();
      expectTypeOf(job.getNextRunTimes(10)).toEqualTypeOf<Promise<Date[]>>();
      // @ts-expect-error: the count is required
      void scheduler.getNextRunTimes('id');
      // @ts-expect-error: `from` is a Date
      void scheduler.getNextRunTimes('id', 1, { from: '2026-01-01' });
    });
  });

  it('health types carry the fields of the interface', () => {
    typesOf(() => {
      expectTypeOf(scheduler.getJobHealth('id')).toEqualTypeOf<Promise<JobHealth>>();
      expectTypeOf(job.health()).toEqualTypeOf<Promise<JobHealth>>();
      expectTypeOf<JobHealth['lastRun']>().toEqualTypeOf<RunRecord | null>();
      expectTypeOf<NonNullable<JobHealth['lastFailure']>['outcome']>().toEqualTypeOf<
        'error' | 'timeout' | 'missed' | 'interrupted'
      >();
      expectTypeOf<JobHealth['overdueSince']>().toEqualTypeOf<Date | null>();
      expectTypeOf(scheduler.health()).toEqualTypeOf<Promise<SchedulerHealth>>();
      expectTypeOf<SchedulerHealth['state']>().toEqualTypeOf<'stopped' | 'running' | 'paused'>();
      expectTypeOf<SchedulerHealth['stores'][string]>().toEqualTypeOf<{
        ok: boolean;
        latencyMs: number | null;
        error?: string;
      }>();
      expectTypeOf<SchedulerHealth['executors'][string]>().toEqualTypeOf<{
        running: number;
        queued: number;
        concurrency: number;
      }>();
    });
  });

  it('descriptions are strings; a run record and a submission may say manual', () => {
    typesOf(() => {
      expectTypeOf(describeTrigger(trigger)).toEqualTypeOf<string>();
      expectTypeOf(job.description).toEqualTypeOf<string>();
      // @ts-expect-error: the description is read-only
      job.description = 'every day';
      expectTypeOf<RunRecord['manual']>().toEqualTypeOf<boolean | undefined>();
      expectTypeOf<JobSubmittedEvent['manual']>().toEqualTypeOf<true | undefined>();
    });
  });
});
