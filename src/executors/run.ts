import type { TimerHandle } from '../clock.js';
import type { JobSubmission } from './executor.js';

/** One attempt of one run, as `BaseExecutor.execute` receives it. */
export interface RunAttempt {
  readonly submission: JobSubmission;
  readonly scheduledRunTime: Date;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * The signal a job running on the event loop sees as `currentJob().signal`: aborted with
   * `JobTimeoutError` when the job's `timeout` runs out, or with `ExecutorShutdownError` on
   * `shutdown({ wait: false })`. Made on first read, as most jobs never look at it.
   */
  readonly signal: AbortSignal;
  /**
   * Calls `listener` once if this attempt is aborted (at once if it already was). `execute` must
   * settle its promise promptly then, rejecting with `reason`; an executor that can stop the work
   * (terminate a worker) does so. One listener per attempt.
   */
  onAbort(listener: (reason: unknown) => void): void;
}

/** One attempt: its own abort state, so a job that outlives its attempt keeps the signal it had. */
export class Attempt implements RunAttempt {
  timedOut = false;
  private controller: AbortController | null = null;
  private aborted = false;
  private reason: unknown = undefined;
  private listener: ((reason: unknown) => void) | null = null;

  constructor(
    readonly submission: JobSubmission,
    readonly scheduledRunTime: Date,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  onAbort(listener: (reason: unknown) => void): void {
    if (this.aborted) listener(this.reason);
    else this.listener = listener;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listener = this.listener;
    this.listener = null;
    listener?.(reason);
  }
}

/**
 * One submission in progress. The same object walks through the submission's run times and each
 * run's attempts, so a run allocates little beyond its attempts and dates.
 */
export class Run {
  /** Index of the current run time in `submission.scheduledRunTimes`. */
  index = 0;
  attempt = 1;
  /** When the first attempt of the current run time started (epoch ms), or `NaN`. */
  firstStartedAt = NaN;
  /** The attempt in progress, if any. */
  current: Attempt | null = null;
  /** Whether the last failed attempt timed out. */
  timedOut = false;
  /** The attempt's timeout timer, or the backoff timer while waiting for a retry. */
  timer: TimerHandle | null = null;
  lastError: unknown = undefined;
  /** Position in the executor's list of active runs, or -1. */
  activeIndex = -1;
  /** A synchronously finished attempt waiting to be reported: its outcome and times (epoch ms). */
  outcomeOk = false;
  outcome: unknown = undefined;
  startedAt = NaN;
  finishedAt = NaN;

  constructor(readonly submission: JobSubmission) {}

  get scheduledRunTime(): Date {
    return this.submission.scheduledRunTimes[this.index] as Date;
  }

  startAttempt(): Attempt {
    this.timedOut = false;
    this.current = new Attempt(this.submission, this.scheduledRunTime, this.attempt);
    return this.current;
  }

  /** Moves to the submission's next run time; false when there is none. */
  nextRunTime(): boolean {
    this.index++;
    this.attempt = 1;
    this.firstStartedAt = NaN;
    this.lastError = undefined;
    this.timedOut = false;
    return this.index < this.submission.scheduledRunTimes.length;
  }
}
