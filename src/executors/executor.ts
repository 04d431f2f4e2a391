import type { Clock } from '../clock.js';
import type { JobExecutionEvent } from '../events/events.js';
import type { JobFunction, JobState } from '../job-state.js';
import type { Logger } from '../logger.js';

/** What a scheduler hands an executor when it starts it. */
export interface ExecutorContext {
  alias: string;
  clock: Clock;
  logger: Logger;
  /** Reports a run's outcome (`EVENT_JOB_EXECUTED`, `EVENT_JOB_ERROR`, `EVENT_JOB_MISSED`). */
  emit(event: JobExecutionEvent): void;
  /** False when no listener wants this event code, so building the event can be skipped. */
  wants(code: number): boolean;
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
 * - `submitJob` counts one instance per submission until all of its run times are done. When the job
 *   already has `maxInstances` submissions in progress it throws `MaxInstancesReachedError` and runs
 *   nothing.
 * - Each run time is checked again when its run actually starts: a run that would start later than
 *   its scheduled time plus the job's `misfireGraceTime` is reported as missed instead.
 * - `shutdown({ wait: true })` stops taking submissions and resolves when every accepted run has
 *   finished; `wait: false` aborts running jobs' signals, drops queued runs and resolves at once.
 */
export interface Executor {
  start(context: ExecutorContext): Promise<void>;
  shutdown(options: { wait: boolean }): Promise<void>;
  submitJob(submission: JobSubmission): void;
  /** Submissions of this job that have not finished. */
  runningInstances(jobId: string): number;
}
