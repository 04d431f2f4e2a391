import type { Clock } from '../clock.js';
import type { JobExecutionEvent, JobRetryEvent } from '../events/events.js';
import type { JobFunction, JobState } from '../job-state.js';
import type { Logger } from '../logger.js';
import type { RunRecord } from '../stores/job-store.js';

/** What an executor reports through `ExecutorContext.emit`. */
export type ExecutorEvent = JobExecutionEvent | JobRetryEvent;

/** What a scheduler hands an executor when it starts it. */
export interface ExecutorContext {
  alias: string;
  clock: Clock;
  logger: Logger;
  /**
   * Reports a run's outcome (`EVENT_JOB_EXECUTED`, `EVENT_JOB_ERROR`, `EVENT_JOB_MISSED`), which the
   * scheduler also keeps in the run history, or a failed attempt that will be retried
   * (`EVENT_JOB_RETRY`), which is only an event: the run's final outcome follows.
   */
  emit(event: ExecutorEvent): void;
  /** False when no listener wants this event code, so building the event can be skipped. */
  wants(code: number): boolean;
  /**
   * Optional (a scheduler provides it; `BaseExecutor` uses it): the run history and the listeners
   * apart, so a run that only the history needs costs a record and no event. An executor that uses
   * it reports each outcome with `record` (`undefined` when the history is off) and `publish`es
   * the event only when `listens` to it, instead of calling `emit`.
   */
  runs?: RunReporting;
  /**
   * The directory relative `'./module.js:export'` references resolve against (the scheduler's
   * `baseDir`). Executors that import job modules themselves (in workers) need it. Default: `process.cwd()`.
   */
  baseDir?: string;
  /**
   * The `'module:export'` reference a task name was registered with (`registerTask(name, 'mod.js:fn')`),
   * or `undefined` when the name is not a task registered by reference. Workers cannot receive a
   * function, so thread and process executors run task names only through this.
   */
  taskReference?(name: string): string | undefined;
}

/** See `ExecutorContext.runs`. */
export interface RunReporting {
  /** Stamped on every run record. */
  schedulerId: string;
  /** Keeps a run's outcome in the history of job store `jobStore`; `undefined` when the history is off. */
  record: ((jobStore: string, record: RunRecord) => void) | undefined;
  /** Delivers an event to the listeners only (`emit` also records it). */
  publish(event: ExecutorEvent): void;
  /** Whether a listener wants events with this code. */
  listens(code: number): boolean;
}

/** One submission: a job and the run times to execute, oldest first, one after another. */
export interface JobSubmission {
  job: JobState;
  jobStore: string;
  scheduledRunTimes: Date[];
  /** The job's function, resolved from a reference or task name when needed. */
  resolveFunction(): JobFunction | Promise<JobFunction>;
}

/**
 * The contract of every executor. An executor runs submitted jobs and reports each run through
 * `context.emit`; it never throws a job's error at the scheduler.
 *
 * - `submitJob` counts one instance per submission until all of its run times are done (retries
 *   included). When the job already has `maxInstances` submissions in progress it throws
 *   `MaxInstancesReachedError` and runs nothing. On an executor that is not running it throws
 *   `ExecutorShutdownError`.
 * - Each run time is checked again when its run actually starts: a run that would start later than
 *   its scheduled time plus the job's `misfireGraceTime` is reported as missed instead.
 * - Every run that starts ends in exactly one `EVENT_JOB_EXECUTED` or `EVENT_JOB_ERROR`, carrying
 *   `startedAt` and `finishedAt` (from the first attempt's start to the last attempt's end).
 * - A job's `timeout` (seconds) bounds each attempt: when it runs out the job's `AbortSignal` is
 *   aborted with a `JobTimeoutError` (a worker running it is terminated) and the attempt fails with
 *   that error, `timedOut: true`.
 * - A job's `retry` policy retries a failed attempt whose error's `name` is in `retryOn` (every error
 *   when `null`) until `attempts` have been made: each failed attempt that will be retried is an
 *   `EVENT_JOB_RETRY`; the wait between attempts goes through `context.clock`.
 * - `shutdown({ wait: true })` stops taking submissions and resolves when every accepted run has
 *   finished; retries not yet started are given up (the run ends with its last error).
 *   `wait: false` aborts running jobs' signals with `ExecutorShutdownError` (terminating their
 *   workers), reports them as errors, drops queued runs and resolves once nothing is left running.
 */
export interface Executor {
  start(context: ExecutorContext): Promise<void>;
  shutdown(options: { wait: boolean }): Promise<void>;
  submitJob(submission: JobSubmission): void;
  /**
   * Optional: `submitJob` for several jobs at once, for the many jobs due in the same instant. It
   * starts what it can before it returns, reports no run's end before it has returned (a run
   * found missed as it starts is reported at once), and returns the submissions it refused for
   * `maxInstances` (instead of throwing) so the scheduler reports them; the others were accepted.
   * Throws `ExecutorShutdownError` when not running, accepting none.
   */
  submitJobs?(submissions: readonly JobSubmission[]): JobSubmission[];
  /** Submissions of this job that have not finished. */
  runningInstances(jobId: string): number;
  /**
   * Throws when this executor can never run `job` as given, so the scheduler can refuse it at
   * `addJob` (and `modifyJob`) rather than fail each run: a thread or process executor refuses a
   * function (a closure cannot be sent to a worker) and args that cannot be structured-cloned.
   * Optional: an executor without it runs any job.
   */
  validateJob?(job: JobState): void;
}
