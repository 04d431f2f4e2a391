/**
 * Scheduler events, read from the table in ./event-table.ts: the name → code map `EVENT_NAMES`,
 * `EventMap`, the union keyed on `code`, and one named type per code with exactly the fields that
 * event carries. The aliases that group several codes (`JobExecutionEvent`, `SchedulerEvent`,
 * ...) are kept for code written before there was one type per code.
 */
import { EVENT_TABLE, type EventRow, type EventTable } from './event-table.js';

export * from './codes.js';

/** The names accepted by `scheduler.on(name, listener)`. */
export type EventName = keyof EventTable;

/** `T` written out as one object type (`& {}` makes editors and errors show it so, not as `Flat<A & B>`). */
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** The event type delivered for each name: `{ code }` and the fields of the name's row. */
export type EventMap = {
  [N in EventName]: EventTable[N] extends EventRow<infer Code, infer Payload>
    ? Flat<
        {
          code: Code;
          /**
           * The node the event happened on (`SchedulerOptions.nodeId`), set on the events a cluster
           * listener gets (`addListener(listener, mask, { cluster: true })`): its own node's and,
           * through the event broker, the other nodes'. Absent on the events of other listeners.
           */
          nodeId?: string;
        } & Payload
      >
    : never;
};

/** Every event, a union keyed on `code`: `event.code === EVENT_JOB_ERROR` narrows it to `JobErrorEvent`. */
export type SchedulerEventUnion = EventMap[EventName];

/** The code of each name, `{ job_executed: 4096, ... }`; `scheduler.on` reads it. */
export const EVENT_NAMES = Object.freeze(
  // No prototype, so that a name such as `toString` is unknown rather than found on Object.
  // The cast: `Object.fromEntries` types its result by string keys only.
  Object.assign(
    Object.create(null) as object,
    Object.fromEntries(Object.entries(EVENT_TABLE).map(([name, row]) => [name, row.code])),
  ) as { [N in EventName]: EventMap[N]['code'] },
);

/** A listener of `addListener`: it gets every event whose code is in its mask. */
export type EventListener = (event: SchedulerEventUnion) => void;

/** The scheduler started (`start()`), in the running or the paused state. */
export type SchedulerStartedEvent = EventMap['scheduler_started'];
/** The scheduler shut down (`shutdown()`), after its executors and stores stopped. */
export type SchedulerShutdownEvent = EventMap['scheduler_shutdown'];
/** The scheduler was paused (`pause()`): it keeps running but processes no jobs. */
export type SchedulerPausedEvent = EventMap['scheduler_paused'];
/** The scheduler was resumed (`resume()`) and processes jobs again. */
export type SchedulerResumedEvent = EventMap['scheduler_resumed'];
/** An executor was added with `addExecutor` under `alias` (not those given in the options). */
export type ExecutorAddedEvent = EventMap['executor_added'];
/** The executor `alias` was removed (`removeExecutor`). */
export type ExecutorRemovedEvent = EventMap['executor_removed'];
/** A job store was added with `addJobStore` under `alias` (not those given in the options). */
export type JobStoreAddedEvent = EventMap['jobstore_added'];
/** The job store `alias` was removed (`removeJobStore`). */
export type JobStoreRemovedEvent = EventMap['jobstore_removed'];
/** `removeAllJobs()` removed every job of `jobStore`, or of every store when it is undefined. */
export type AllJobsRemovedEvent = EventMap['all_jobs_removed'];
/** A job was stored: by `addJob` on a started scheduler, or by `start()` for a job added before it. */
export type JobAddedEvent = EventMap['job_added'];
/** A job was removed: by `removeJob`, or by the scheduler after its trigger's last run time. */
export type JobRemovedEvent = EventMap['job_removed'];
/** A stored job was changed (`modifyJob`, `rescheduleJob`, `pauseJob`, `resumeJob`). */
export type JobModifiedEvent = EventMap['job_modified'];
/** A run ended by returning `retval`: fired once per run, after its last attempt. */
export type JobExecutedEvent = EventMap['job_executed'];
/**
 * A run failed for good: the job threw, rejected, timed out (`timedOut`), its worker died, the
 * executor was shut down under it, or its executor is missing (then it has no `startedAt`). Fired
 * once per run, after the last attempt its `retry` policy allows.
 */
export type JobErrorEvent = EventMap['job_error'];
/**
 * A run was not started because it was more than the job's `misfireGraceTime` late (the scheduler
 * was down or busy); it carries no run times. The schedule carries on with the next run.
 */
export type JobMissedEvent = EventMap['job_missed'];
/** Runs of a job were handed to its executor, one event per submission of `scheduledRunTimes`. */
export type JobSubmittedEvent = EventMap['job_submitted'];
/** Runs of a job were skipped because `maxInstances` of its runs were in progress; the schedule advances. */
export type JobMaxInstancesEvent = EventMap['job_max_instances'];
/**
 * An attempt of a run failed and the job's `retry` policy allows another: attempt `attempt` failed
 * with `exception`, and attempt `attempt + 1` starts after `delay` seconds. The run's final
 * failure is a `JobErrorEvent`, not a retry event.
 */
export type JobRetryEvent = EventMap['job_retry'];
/** A stored job cannot be read (its trigger or layout is unknown); it is kept in the store, untouched. */
export type JobUnreadableEvent = EventMap['job_unreadable'];
/** The job store `alias` failed; the scheduler tries it again with backoff and carries on when it is back. */
export type JobStoreErrorEvent = EventMap['jobstore_error'];
/**
 * A run was interrupted: its node stopped heartbeating before the run's outcome was stored. Emitted
 * once, by the node that found it; the run history has an `interrupted` record of each of its run
 * times, under the dead node's id.
 */
export type JobInterruptedEvent = EventMap['job_interrupted'];

/** The scheduler started, shut down, paused or resumed. */
export type SchedulerEvent =
  SchedulerStartedEvent | SchedulerShutdownEvent | SchedulerPausedEvent | SchedulerResumedEvent;
/** An executor or a job store was added or removed. */
export type ComponentEvent =
  ExecutorAddedEvent | ExecutorRemovedEvent | JobStoreAddedEvent | JobStoreRemovedEvent;
/** A job was added, removed or modified. */
export type JobEvent = JobAddedEvent | JobRemovedEvent | JobModifiedEvent;
/** Runs of a job were handed to its executor, or refused because `maxInstances` runs were in progress. */
export type JobSubmissionEvent = JobSubmittedEvent | JobMaxInstancesEvent;

/** The keys of every member of the union `U`. */
type KeysOfEach<U> = U extends unknown ? keyof U : never;
/** Each member of `U`, with the fields that only the other members carry typed as absent. */
type Exclusive<U, All = U> = U extends unknown
  ? Flat<U & { [K in Exclude<KeysOfEach<All>, keyof U>]?: undefined }>
  : never;

/**
 * The outcome of a run: executed, failed or missed. A field that only another outcome carries reads
 * as `undefined` (so `event.retval` compiles on any of them); compare `code` with
 * `EVENT_JOB_EXECUTED`, `EVENT_JOB_ERROR` or `EVENT_JOB_MISSED` to get the outcome's own fields
 * required.
 */
export type JobExecutionEvent = Exclusive<JobExecutedEvent | JobErrorEvent | JobMissedEvent>;
