/**
 * Scheduler events: the 17 codes of APScheduler 3 as bit flags (combine them into a listener mask
 * with `|`), Horae's own codes after them, and the event objects, a union keyed on `code`. The codes
 * are written as literals so each has its own literal type, and `event.code === EVENT_JOB_ERROR`
 * narrows the union.
 */
export const EVENT_SCHEDULER_STARTED = 1; // 1 << 0
/** APScheduler 3's older name for `EVENT_SCHEDULER_STARTED`. */
export const EVENT_SCHEDULER_START = EVENT_SCHEDULER_STARTED;
export const EVENT_SCHEDULER_SHUTDOWN = 2; // 1 << 1
export const EVENT_SCHEDULER_PAUSED = 4; // 1 << 2
export const EVENT_SCHEDULER_RESUMED = 8; // 1 << 3
export const EVENT_EXECUTOR_ADDED = 16; // 1 << 4
export const EVENT_EXECUTOR_REMOVED = 32; // 1 << 5
export const EVENT_JOBSTORE_ADDED = 64; // 1 << 6
export const EVENT_JOBSTORE_REMOVED = 128; // 1 << 7
export const EVENT_ALL_JOBS_REMOVED = 256; // 1 << 8
export const EVENT_JOB_ADDED = 512; // 1 << 9
export const EVENT_JOB_REMOVED = 1024; // 1 << 10
export const EVENT_JOB_MODIFIED = 2048; // 1 << 11
export const EVENT_JOB_EXECUTED = 4096; // 1 << 12
export const EVENT_JOB_ERROR = 8192; // 1 << 13
export const EVENT_JOB_MISSED = 16384; // 1 << 14
export const EVENT_JOB_SUBMITTED = 32768; // 1 << 15
export const EVENT_JOB_MAX_INSTANCES = 65536; // 1 << 16
/** A run failed and will be tried again after a delay (the job's `retry` policy). Not in APScheduler. */
export const EVENT_JOB_RETRY = 131072; // 1 << 17
/** A stored job cannot be read (its trigger or layout is unknown); it is kept in the store, untouched. */
export const EVENT_JOB_UNREADABLE = 262144; // 1 << 18
/** A job store failed; the scheduler retries it with backoff and carries on when it is back. */
export const EVENT_JOBSTORE_ERROR = 524288; // 1 << 19
export const EVENT_ALL = 1048575; // (1 << 20) - 1: every code above

/** The typed names accepted by `scheduler.on(name, listener)`, each bound to one code. */
export const EVENT_NAMES = {
  scheduler_started: EVENT_SCHEDULER_STARTED,
  scheduler_shutdown: EVENT_SCHEDULER_SHUTDOWN,
  scheduler_paused: EVENT_SCHEDULER_PAUSED,
  scheduler_resumed: EVENT_SCHEDULER_RESUMED,
  executor_added: EVENT_EXECUTOR_ADDED,
  executor_removed: EVENT_EXECUTOR_REMOVED,
  jobstore_added: EVENT_JOBSTORE_ADDED,
  jobstore_removed: EVENT_JOBSTORE_REMOVED,
  all_jobs_removed: EVENT_ALL_JOBS_REMOVED,
  job_added: EVENT_JOB_ADDED,
  job_removed: EVENT_JOB_REMOVED,
  job_modified: EVENT_JOB_MODIFIED,
  job_executed: EVENT_JOB_EXECUTED,
  job_error: EVENT_JOB_ERROR,
  job_missed: EVENT_JOB_MISSED,
  job_submitted: EVENT_JOB_SUBMITTED,
  job_max_instances: EVENT_JOB_MAX_INSTANCES,
  job_retry: EVENT_JOB_RETRY,
  job_unreadable: EVENT_JOB_UNREADABLE,
  jobstore_error: EVENT_JOBSTORE_ERROR,
} as const;

export type EventName = keyof typeof EVENT_NAMES;

type SchedulerCode =
  | typeof EVENT_SCHEDULER_STARTED
  | typeof EVENT_SCHEDULER_SHUTDOWN
  | typeof EVENT_SCHEDULER_PAUSED
  | typeof EVENT_SCHEDULER_RESUMED;

/** Scheduler started, shut down, paused or resumed. */
export interface SchedulerEvent {
  code: SchedulerCode;
}

/** An executor or job store was added or removed; `alias` names it. */
export interface ComponentEvent {
  code:
    | typeof EVENT_EXECUTOR_ADDED
    | typeof EVENT_EXECUTOR_REMOVED
    | typeof EVENT_JOBSTORE_ADDED
    | typeof EVENT_JOBSTORE_REMOVED;
  alias: string;
}

/** Every job of `jobStore` (or of all stores, when undefined) was removed. */
export interface AllJobsRemovedEvent {
  code: typeof EVENT_ALL_JOBS_REMOVED;
  jobStore: string | undefined;
}

/** A job was added, removed or modified. */
export interface JobEvent {
  code: typeof EVENT_JOB_ADDED | typeof EVENT_JOB_REMOVED | typeof EVENT_JOB_MODIFIED;
  jobId: string;
  jobStore: string;
}

/** Runs of a job were handed to its executor, or refused because `maxInstances` runs were in progress. */
export interface JobSubmissionEvent {
  code: typeof EVENT_JOB_SUBMITTED | typeof EVENT_JOB_MAX_INSTANCES;
  jobId: string;
  jobStore: string;
  scheduledRunTimes: Date[];
}

/** A run finished (`retval`), failed (`exception`, with its stack in `traceback`) or was missed. */
export interface JobExecutionEvent {
  code: typeof EVENT_JOB_EXECUTED | typeof EVENT_JOB_ERROR | typeof EVENT_JOB_MISSED;
  jobId: string;
  jobStore: string;
  scheduledRunTime: Date;
  retval?: unknown;
  exception?: unknown;
  traceback?: string;
  /** True on an `EVENT_JOB_ERROR` caused by the job's `timeout` running out. */
  timedOut?: boolean;
  /** When the run started and finished (absent for a missed run). */
  startedAt?: Date;
  finishedAt?: Date;
}

/**
 * An attempt of a run failed and the job's `retry` policy allows another: `attempt` (1 = the first
 * try) failed with `exception`, and attempt `attempt + 1` starts after `delay` seconds. The run's
 * final failure is an `EVENT_JOB_ERROR`, not a retry event.
 */
export interface JobRetryEvent {
  code: typeof EVENT_JOB_RETRY;
  jobId: string;
  jobStore: string;
  scheduledRunTime: Date;
  /** The attempt that failed, counting from 1. */
  attempt: number;
  /** Attempts the policy allows in all, the first included. */
  maxAttempts: number;
  exception: unknown;
  traceback?: string;
  /** True when the attempt failed because the job's `timeout` ran out. */
  timedOut?: boolean;
  /** Seconds until the next attempt. */
  delay: number;
  /** When the failed attempt started and finished. */
  startedAt: Date;
  finishedAt: Date;
}

/** A stored job could not be read: `exception` says why. The job stays in the store. */
export interface JobUnreadableEvent {
  code: typeof EVENT_JOB_UNREADABLE;
  jobId: string;
  jobStore: string;
  exception: unknown;
}

/** The store `alias` failed (`failures` times in a row); the next attempt is in `retryIn` ms. */
export interface JobStoreErrorEvent {
  code: typeof EVENT_JOBSTORE_ERROR;
  alias: string;
  exception: unknown;
  failures: number;
  retryIn: number;
}

export type SchedulerEventUnion =
  | SchedulerEvent
  | ComponentEvent
  | AllJobsRemovedEvent
  | JobEvent
  | JobSubmissionEvent
  | JobExecutionEvent
  | JobRetryEvent
  | JobUnreadableEvent
  | JobStoreErrorEvent;

/** The event type delivered for each typed name. */
export interface EventMap {
  scheduler_started: SchedulerEvent;
  scheduler_shutdown: SchedulerEvent;
  scheduler_paused: SchedulerEvent;
  scheduler_resumed: SchedulerEvent;
  executor_added: ComponentEvent;
  executor_removed: ComponentEvent;
  jobstore_added: ComponentEvent;
  jobstore_removed: ComponentEvent;
  all_jobs_removed: AllJobsRemovedEvent;
  job_added: JobEvent;
  job_removed: JobEvent;
  job_modified: JobEvent;
  job_executed: JobExecutionEvent;
  job_error: JobExecutionEvent;
  job_missed: JobExecutionEvent;
  job_submitted: JobSubmissionEvent;
  job_max_instances: JobSubmissionEvent;
  job_retry: JobRetryEvent;
  job_unreadable: JobUnreadableEvent;
  jobstore_error: JobStoreErrorEvent;
}

export type EventListener = (event: SchedulerEventUnion) => void;
