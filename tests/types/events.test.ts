// Type tests of the event types, checked by `npm run typecheck` (tsconfig.json includes tests): each
// `expectTypeOf` must hold and each line after a `@ts-expect-error` must fail to compile. At run
// time they do nothing; tests/unit/events/codes.test.ts checks the codes' values.
import { describe, expectTypeOf, it } from 'vitest';
import {
  EVENT_ALL_JOBS_REMOVED,
  EVENT_EXECUTOR_ADDED,
  EVENT_EXECUTOR_REMOVED,
  EVENT_JOBSTORE_ADDED,
  EVENT_JOBSTORE_ERROR,
  EVENT_JOB_INTERRUPTED,
  EVENT_JOBSTORE_REMOVED,
  EVENT_JOB_ADDED,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  EVENT_JOB_MODIFIED,
  EVENT_JOB_REMOVED,
  EVENT_JOB_RETRY,
  EVENT_JOB_SUBMITTED,
  EVENT_JOB_UNREADABLE,
  EVENT_NAMES,
  EVENT_SCHEDULER_PAUSED,
  EVENT_SCHEDULER_RESUMED,
  EVENT_SCHEDULER_SHUTDOWN,
  EVENT_SCHEDULER_START,
  EVENT_SCHEDULER_STARTED,
  type AllJobsRemovedEvent,
  type ComponentEvent,
  type EventMap,
  type EventName,
  type ExecutorAddedEvent,
  type JobErrorEvent,
  type JobEvent,
  type JobExecutedEvent,
  type JobExecutionEvent,
  type JobMaxInstancesEvent,
  type JobMissedEvent,
  type JobRetryEvent,
  type JobStoreErrorEvent,
  type JobInterruptedEvent,
  type JobSubmissionEvent,
  type JobSubmittedEvent,
  type JobUnreadableEvent,
  type SchedulerEvent,
  type SchedulerEventUnion,
  type SchedulerStartedEvent,
} from '../../src/events/events.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';

const at = new Date(0);
const run = { jobId: 'a', jobStore: 'default', scheduledRunTime: at };

describe('event types', () => {
  it('EVENT_NAMES, EventMap and the union cover the same names and codes', () => {
    expectTypeOf<keyof typeof EVENT_NAMES>().toEqualTypeOf<EventName>();
    expectTypeOf<keyof EventMap>().toEqualTypeOf<EventName>();
    // Each name's code in EVENT_NAMES is the `code` of its type in EventMap.
    expectTypeOf<{ [N in EventName]: (typeof EVENT_NAMES)[N] }>().toEqualTypeOf<{
      [N in EventName]: EventMap[N]['code'];
    }>();
    // Every code constant is the code of one event, and no event has another code.
    expectTypeOf<SchedulerEventUnion['code']>().toEqualTypeOf<
      | typeof EVENT_SCHEDULER_STARTED
      | typeof EVENT_SCHEDULER_SHUTDOWN
      | typeof EVENT_SCHEDULER_PAUSED
      | typeof EVENT_SCHEDULER_RESUMED
      | typeof EVENT_EXECUTOR_ADDED
      | typeof EVENT_EXECUTOR_REMOVED
      | typeof EVENT_JOBSTORE_ADDED
      | typeof EVENT_JOBSTORE_REMOVED
      | typeof EVENT_ALL_JOBS_REMOVED
      | typeof EVENT_JOB_ADDED
      | typeof EVENT_JOB_REMOVED
      | typeof EVENT_JOB_MODIFIED
      | typeof EVENT_JOB_EXECUTED
      | typeof EVENT_JOB_ERROR
      | typeof EVENT_JOB_MISSED
      | typeof EVENT_JOB_SUBMITTED
      | typeof EVENT_JOB_MAX_INSTANCES
      | typeof EVENT_JOB_RETRY
      | typeof EVENT_JOB_UNREADABLE
      | typeof EVENT_JOBSTORE_ERROR
      | typeof EVENT_JOB_INTERRUPTED
    >();
    expectTypeOf<SchedulerEventUnion>().toEqualTypeOf<EventMap[EventName]>();
  });

  it('gives each name its own event type', () => {
    expectTypeOf<EventMap['scheduler_started']>().toEqualTypeOf<{ code: 1; nodeId?: string }>();
    expectTypeOf<EventMap['executor_added']>().toEqualTypeOf<{
      code: 16;
      nodeId?: string;
      alias: string;
    }>();
    expectTypeOf<EventMap['job_interrupted']>().toEqualTypeOf<JobInterruptedEvent>();
    expectTypeOf<EventMap['job_executed']>().toEqualTypeOf<JobExecutedEvent>();
    expectTypeOf<EventMap['job_error']>().toEqualTypeOf<JobErrorEvent>();
    expectTypeOf<EventMap['job_missed']>().toEqualTypeOf<JobMissedEvent>();
    expectTypeOf<EventMap['job_submitted']>().toEqualTypeOf<JobSubmittedEvent>();
    expectTypeOf<EventMap['job_max_instances']>().toEqualTypeOf<JobMaxInstancesEvent>();
    expectTypeOf<EventMap['job_retry']>().toEqualTypeOf<JobRetryEvent>();
    expectTypeOf<EventMap['job_unreadable']>().toEqualTypeOf<JobUnreadableEvent>();
    expectTypeOf<EventMap['jobstore_error']>().toEqualTypeOf<JobStoreErrorEvent>();
    expectTypeOf<EventMap['all_jobs_removed']>().toEqualTypeOf<AllJobsRemovedEvent>();
    expectTypeOf<JobMissedEvent>().toEqualTypeOf<{
      code: 16384;
      nodeId?: string;
      jobId: string;
      jobStore: string;
      scheduledRunTime: Date;
    }>();
  });

  it('narrows the union by code', () => {
    const check = (event: SchedulerEventUnion) => {
      if (event.code === EVENT_JOB_EXECUTED) expectTypeOf(event).toEqualTypeOf<JobExecutedEvent>();
      if (event.code === EVENT_JOB_ERROR) expectTypeOf(event).toEqualTypeOf<JobErrorEvent>();
      if (event.code === EVENT_JOB_MISSED) expectTypeOf(event).toEqualTypeOf<JobMissedEvent>();
      if (event.code === EVENT_JOB_RETRY) expectTypeOf(event).toEqualTypeOf<JobRetryEvent>();
      if (event.code === EVENT_SCHEDULER_START) expectTypeOf(event).toEqualTypeOf<SchedulerStartedEvent>();
      if (event.code === EVENT_EXECUTOR_ADDED) expectTypeOf(event).toEqualTypeOf<ExecutorAddedEvent>();
      switch (event.code) {
        case EVENT_JOB_ERROR:
          expectTypeOf(event.traceback).toEqualTypeOf<string>();
          break;
        case EVENT_JOB_SUBMITTED:
        case EVENT_JOB_MAX_INSTANCES:
          expectTypeOf(event).toEqualTypeOf<JobSubmissionEvent>();
          break;
      }
    };
    expectTypeOf(check).parameter(0).toEqualTypeOf<SchedulerEventUnion>();
  });

  it('gives scheduler.on listeners the event of their name', () => {
    const on = (scheduler: Scheduler) => {
      scheduler.on('job_error', (event) => expectTypeOf(event).toEqualTypeOf<JobErrorEvent>());
      scheduler.on('job_executed', (event) => expectTypeOf(event).toEqualTypeOf<JobExecutedEvent>());
      scheduler.on('job_retry', (event) => expectTypeOf(event).toEqualTypeOf<JobRetryEvent>());
      scheduler.on('job_error', (event) => expectTypeOf(event.timedOut).toEqualTypeOf<boolean>());
      // @ts-expect-error -- an error event has no return value
      scheduler.on('job_error', (event) => event.retval);
      // @ts-expect-error -- no event has this name
      scheduler.on('job_exploded', () => {});
    };
    expectTypeOf(on).returns.toEqualTypeOf<void>();
  });

  it('requires exactly the fields of each code', () => {
    expectTypeOf<JobExecutedEvent['startedAt']>().toEqualTypeOf<Date>();
    expectTypeOf<JobExecutedEvent['finishedAt']>().toEqualTypeOf<Date>();
    expectTypeOf<JobErrorEvent['exception']>().toEqualTypeOf<unknown>();
    expectTypeOf<JobErrorEvent['timedOut']>().toEqualTypeOf<boolean>();
    // A run whose executor is missing never started: it has no run times.
    expectTypeOf<JobErrorEvent['startedAt']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<JobRetryEvent['startedAt']>().toEqualTypeOf<Date>();
    expectTypeOf<JobRetryEvent['traceback']>().toEqualTypeOf<string>();

    const executed: JobExecutedEvent = {
      code: EVENT_JOB_EXECUTED,
      ...run,
      retval: 1,
      startedAt: at,
      finishedAt: at,
    };
    const notStarted: JobErrorEvent = {
      code: EVENT_JOB_ERROR,
      ...run,
      exception: 0,
      traceback: '0',
      timedOut: false,
    };
    const missed: JobMissedEvent = { code: EVENT_JOB_MISSED, ...run };
    // @ts-expect-error -- an executed run has its run times
    const noTimes: JobExecutedEvent = { code: EVENT_JOB_EXECUTED, ...run, retval: 1 };
    // @ts-expect-error -- an error carries its traceback and whether it timed out
    const bare: JobErrorEvent = { code: EVENT_JOB_ERROR, ...run, exception: 0 };
    // @ts-expect-error -- a missed run never started
    const missedAt: JobMissedEvent = { code: EVENT_JOB_MISSED, ...run, startedAt: at };
    // @ts-expect-error -- a retry event is not an error event
    const wrongCode: JobErrorEvent = { ...notStarted, code: EVENT_JOB_RETRY };
    expectTypeOf([
      executed,
      notStarted,
      missed,
      noTimes,
      bare,
      missedAt,
      wrongCode,
    ]).items.toExtend<SchedulerEventUnion>();
  });

  it('keeps the aliases that group several codes', () => {
    expectTypeOf<SchedulerEvent['code']>().toEqualTypeOf<1 | 2 | 4 | 8>();
    expectTypeOf<ComponentEvent>().toHaveProperty('alias').toEqualTypeOf<string>();
    expectTypeOf<JobEvent['code']>().toEqualTypeOf<512 | 1024 | 2048>();
    expectTypeOf<JobSubmissionEvent['scheduledRunTimes']>().toEqualTypeOf<Date[]>();
    // JobExecutionEvent reads as before: a field of another outcome is `undefined` on this one.
    expectTypeOf<JobExecutionEvent['code']>().toEqualTypeOf<4096 | 8192 | 16384>();
    expectTypeOf<JobExecutionEvent['retval']>().toEqualTypeOf<unknown>();
    expectTypeOf<JobExecutionEvent['startedAt']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<JobExecutionEvent>().toExtend<SchedulerEventUnion>();
    const outcome = (event: JobExecutionEvent) => {
      if (event.code === EVENT_JOB_ERROR) expectTypeOf(event.traceback).toEqualTypeOf<string>();
      if (event.code === EVENT_JOB_MISSED) expectTypeOf(event.startedAt).toEqualTypeOf<undefined>();
      if (event.code === EVENT_JOB_EXECUTED) expectTypeOf(event.finishedAt).toEqualTypeOf<Date>();
    };
    expectTypeOf(outcome).parameter(0).toEqualTypeOf<JobExecutionEvent>();
  });

  it('keeps literal codes that widen like plain number literals', () => {
    expectTypeOf<typeof EVENT_JOB_ERROR>().toEqualTypeOf<8192>();
    expectTypeOf<typeof EVENT_SCHEDULER_START>().toEqualTypeOf<1>();
    // As before the table: an array of codes is a number[], so `.includes(event.code)` compiles.
    const unwanted = [EVENT_JOB_MISSED, EVENT_JOB_ERROR];
    expectTypeOf(unwanted).toEqualTypeOf<number[]>();
  });
});
