import type { TimerHandle } from '../clock.js';
import type { RunAttempt } from '../executors/executor.js';
import type { JobFunction, JobState } from '../job-state.js';
import type { RunOutcome, RunStatus } from './outcome.js';
import type { RunSpan } from './run-tracer.js';

/** What the scheduler hands over to have a job's run times executed, oldest first. */
export interface RunSubmission {
  readonly job: JobState;
  readonly jobStore: string;
  readonly scheduledRunTimes: Date[];
}

/** One attempt: its own abort state, so a job that outlives its attempt keeps the signal it had. */
export class Attempt implements RunAttempt {
  func: JobFunction | undefined = undefined;
  reference: string | undefined = undefined;
  private controller: AbortController | null = null;
  private isAborted = false;
  private reason: unknown = undefined;
  private listener: ((reason: unknown) => void) | null = null;

  constructor(
    readonly job: JobState,
    readonly jobStore: string,
    readonly scheduledRunTime: Date,
    readonly attempt: number,
    readonly executor: string,
  ) {}

  get jobId(): string {
    return this.job.id;
  }

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  /** Why the attempt was aborted (meaningful once `aborted`). */
  get abortReason(): unknown {
    return this.reason;
  }

  onAbort(listener: (reason: unknown) => void): void {
    if (this.isAborted) listener(this.reason);
    else this.listener = listener;
  }

  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listener = this.listener;
    this.listener = null;
    listener?.(reason);
  }
}

/**
 * One submission in progress: the submission itself when the caller made it a `Run` (the processor
 * does, so a due job costs one object from claim to release), else a `Run` made for it. The same
 * object walks through the submission's run times and each run's attempts, and is itself the
 * `RunOutcome` each run time ends in (read at once by the reporter, never kept), so a run allocates
 * little beyond its attempt and dates.
 */
export class Run implements RunSubmission, RunOutcome {
  /** Index of the current run time in `scheduledRunTimes`. */
  index = 0;
  /** Set when a run queue takes this run; a submission submitted again gets a run of its own. */
  taken = false;
  /** Started by hand (`Scheduler.runJob`) rather than by the job's trigger. */
  manual = false;
  /**
   * The id of the run as its store keeps it (`ActiveRun`), held by this node until the run queue
   * ends it (`RunQueueHost.runEnded`); `null` for a run not kept in a store.
   */
  storeRunId: string | null = null;
  /**
   * The second run of an interrupted run whose job asked for it (`requestsRecovery`): found only
   * after its node's lease ran out, so it is not checked against `misfireGraceTime`.
   */
  recovery = false;
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
  /** Position in the queue's list of active runs, or -1. */
  activeIndex = -1;
  /** The current run time's span when tracing is on (`RunTracer`), from its first attempt to its outcome. */
  span: RunSpan | null = null;
  /** A synchronously finished attempt waiting to be reported: whether it succeeded. */
  syncOk = false;
  // RunOutcome: set just before the run is reported.
  status: RunStatus = 'success';
  value: unknown = undefined;
  startedMs = NaN;
  finishedMs = NaN;

  constructor(
    readonly job: JobState,
    readonly jobStore: string,
    readonly scheduledRunTimes: Date[],
  ) {}

  get scheduledRunTime(): Date {
    return this.scheduledRunTimes[this.index] as Date;
  }

  startAttempt(executor: string): Attempt {
    this.timedOut = false;
    this.current = new Attempt(this.job, this.jobStore, this.scheduledRunTime, this.attempt, executor);
    return this.current;
  }

  /** Moves to the submission's next run time; false when there is none. */
  advance(): boolean {
    this.index++;
    this.attempt = 1;
    this.firstStartedAt = NaN;
    this.lastError = undefined;
    this.timedOut = false;
    return this.index < this.scheduledRunTimes.length;
  }
}
