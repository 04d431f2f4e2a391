/**
 * The one table every scheduler event is derived from: its name (what `scheduler.on` takes), its
 * code (./codes.ts) and the fields it carries besides `code`. `EVENT_NAMES`, `EventMap`, the event
 * union and the type of each event in ./events.ts are read from it, so an event is added by adding
 * a code, a row here and a named type there.
 */
import * as codes from './codes.js';

/**
 * One row: the code as a value, and the payload as a type only. `payload` is never set; it is there
 * so the type of the row carries the payload to ./events.ts.
 */
export interface EventRow<Code extends number, Payload extends object> {
  readonly code: Code;
  readonly payload?: Payload;
}

/** The row of `code`: `row(EVENT_EXECUTOR_ADDED).carrying<{ alias: string }>()`. */
function row<Code extends number>(code: Code) {
  return { carrying: <Payload extends object>(): EventRow<Code, Payload> => ({ code }) };
}

/** The payload of an event that carries nothing but its code. */
type NoFields = Record<never, never>;

/** The fields of an event about one job. */
interface JobFields {
  jobId: string;
  /** The alias of the job store that holds the job. */
  jobStore: string;
}

/** The fields of an event about one run of a job. */
type RunFields = JobFields & {
  /** The time the run was due, as the trigger computed it. */
  scheduledRunTime: Date;
};

/** The fields of an event about one failed attempt of a run. */
type FailureFields = RunFields & {
  /**
   * Why it failed: what the job threw or rejected with, as it was; or a `JobTimeoutError`, a
   * `WorkerCrashedError`, an `ExecutorShutdownError`, or the `LookupError` of a missing executor.
   */
  exception: unknown;
  /** The stack of `exception`, or its `String()` form when it is not an `Error`. */
  traceback: string;
  /** True when the failure is the job's `timeout` running out. */
  timedOut: boolean;
};

/** The fields of an event about an executor or a job store. */
interface ComponentFields {
  /** The alias the executor or job store was added under. */
  alias: string;
}

/** The fields of an event about runs handed, or not handed, to an executor. */
type SubmissionFields = JobFields & {
  /** The run times of the submission, oldest first. */
  scheduledRunTimes: Date[];
  /** True for a run started by hand (`Scheduler.runJob`); absent for a scheduled one. */
  manual?: true;
};

export const EVENT_TABLE = {
  scheduler_started: row(codes.EVENT_SCHEDULER_STARTED).carrying<NoFields>(),
  scheduler_shutdown: row(codes.EVENT_SCHEDULER_SHUTDOWN).carrying<NoFields>(),
  scheduler_paused: row(codes.EVENT_SCHEDULER_PAUSED).carrying<NoFields>(),
  scheduler_resumed: row(codes.EVENT_SCHEDULER_RESUMED).carrying<NoFields>(),
  executor_added: row(codes.EVENT_EXECUTOR_ADDED).carrying<ComponentFields>(),
  executor_removed: row(codes.EVENT_EXECUTOR_REMOVED).carrying<ComponentFields>(),
  jobstore_added: row(codes.EVENT_JOBSTORE_ADDED).carrying<ComponentFields>(),
  jobstore_removed: row(codes.EVENT_JOBSTORE_REMOVED).carrying<ComponentFields>(),
  all_jobs_removed: row(codes.EVENT_ALL_JOBS_REMOVED).carrying<{
    /** The alias of the store emptied, or undefined when every store was. */
    jobStore: string | undefined;
  }>(),
  job_added: row(codes.EVENT_JOB_ADDED).carrying<JobFields>(),
  job_removed: row(codes.EVENT_JOB_REMOVED).carrying<JobFields>(),
  job_modified: row(codes.EVENT_JOB_MODIFIED).carrying<JobFields>(),
  job_executed: row(codes.EVENT_JOB_EXECUTED).carrying<
    RunFields & {
      /** What the job returned (awaited, when it returned a promise). */
      retval: unknown;
      /** When the run's first attempt started (a run retried after failures started then). */
      startedAt: Date;
      /** When the run's last attempt returned. */
      finishedAt: Date;
    }
  >(),
  job_error: row(codes.EVENT_JOB_ERROR).carrying<
    FailureFields & {
      /**
       * When the run's first attempt started; absent when the run never started: its executor is
       * missing on this scheduler, so nothing ran.
       */
      startedAt?: Date;
      /** When the run's last attempt ended; absent when it never started, like `startedAt`. */
      finishedAt?: Date;
    }
  >(),
  job_missed: row(codes.EVENT_JOB_MISSED).carrying<RunFields>(),
  job_submitted: row(codes.EVENT_JOB_SUBMITTED).carrying<SubmissionFields>(),
  job_max_instances: row(codes.EVENT_JOB_MAX_INSTANCES).carrying<SubmissionFields>(),
  job_retry: row(codes.EVENT_JOB_RETRY).carrying<
    FailureFields & {
      /** The attempt that failed, counting from 1. */
      attempt: number;
      /** Attempts the job's `retry` policy allows in all, the first included. */
      maxAttempts: number;
      /** Seconds until the next attempt. */
      delay: number;
      /** When the failed attempt started. */
      startedAt: Date;
      /** When the failed attempt ended. */
      finishedAt: Date;
    }
  >(),
  job_unreadable: row(codes.EVENT_JOB_UNREADABLE).carrying<
    JobFields & {
      /** Why the job cannot be read (its trigger type or its stored layout is unknown). */
      exception: unknown;
    }
  >(),
  jobstore_error: row(codes.EVENT_JOBSTORE_ERROR).carrying<
    ComponentFields & {
      /** What the store's last call threw. */
      exception: unknown;
      /** Failed calls in a row, this one included. */
      failures: number;
      /** Milliseconds until the store is tried again. */
      retryIn: number;
    }
  >(),
  job_interrupted: row(codes.EVENT_JOB_INTERRUPTED).carrying<
    JobFields & {
      /** The run times of the interrupted run, oldest first. */
      scheduledRunTimes: Date[];
      /** The id of the node that held the run and stopped heartbeating. */
      interruptedNode: string;
      /** True when the job asked for it (`requestsRecovery`) and the run was put back to run once more. */
      recovered: boolean;
      /** True for a run started by hand (`Scheduler.runJob`); absent for a scheduled one. */
      manual?: true;
    }
  >(),
} as const;

export type EventTable = typeof EVENT_TABLE;
