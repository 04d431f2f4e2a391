import type { JobFunction, JobState } from '../job-state.js';
import type { Logger } from '../logger.js';
import type { JobContext } from './job-context.js';

/** What a scheduler hands an executor when it starts it. */
export interface ExecutorContext {
  /** The executor's alias in its scheduler (`currentJob().executor`). */
  alias: string;
  logger: Logger;
  /** The directory relative `'./module.js:export'` references resolve against (the scheduler's `baseDir`). */
  baseDir: string;
}

/**
 * One attempt of one run, as `Executor.execute` receives it. It is also the `JobContext` a job on
 * the event loop sees as `currentJob()` (`runInJobContext(attempt, func, args)`).
 */
export interface RunAttempt extends JobContext {
  readonly job: JobState;
  readonly jobStore: string;
  readonly scheduledRunTime: Date;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * The job's function, resolved by the scheduler (imported when the job names it by reference or
   * task name). Set for executors that run functions; `undefined` for those that run `references`.
   */
  readonly func: JobFunction | undefined;
  /**
   * For executors that run `references`: the job's `'module:export'` reference (a task registered
   * by reference gives its reference), or `undefined` when the job's function has none (a closure,
   * a task registered as a function) and so cannot reach another thread or process.
   */
  readonly reference: string | undefined;
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

/**
 * An attempt that finished synchronously (see `Executor.executeNow`). The executor may hand out the
 * same object every time: the scheduler reads it (and clears `value`) at once.
 */
export interface AttemptOutcome {
  ok: boolean;
  value: unknown;
}

/**
 * The contract of every executor: it runs one attempt of a job when asked, and that is all. The
 * scheduler does the rest around it (`src/runs/`): it counts instances per job (`maxInstances`),
 * queues runs beyond `concurrency`, checks each run's misfire grace time as it starts, times
 * attempts out (aborting them), retries failed attempts with backoff, and reports every outcome
 * (event and run record). An executor never calls back into the scheduler.
 *
 * - `execute` resolves with the job's return value or rejects with its error, and settles promptly
 *   when the attempt is aborted (`RunAttempt.onAbort`), stopping the work when it can.
 * - `shutdown` is called once no attempt of this executor is running any more (the scheduler has
 *   waited for them, or aborted them on `shutdown({ wait: false })`): release what `start` took.
 */
export interface Executor {
  /** Attempts this executor runs at once; the scheduler queues the others. */
  readonly concurrency: number;
  /**
   * What `execute` needs: the job's resolved function (`'functions'`, the default), or its
   * `'module:export'` reference (`'references'`), for executors whose workers import the job.
   */
  readonly runs?: 'functions' | 'references';
  start(context: ExecutorContext): Promise<void>;
  shutdown(): Promise<void>;
  /** Runs one attempt: resolves with the job's return value, rejects with its error. */
  execute(attempt: RunAttempt): Promise<unknown>;
  /**
   * Optional fast path: runs an attempt at once and returns its outcome when the job finished
   * synchronously, a promise when it started and goes on, or `undefined` to have `execute` run it.
   * Sparing a sync job every promise matters at 100,000 runs a second.
   */
  executeNow?(attempt: RunAttempt): AttemptOutcome | Promise<unknown> | undefined;
  /**
   * Throws when this executor can never run `job` as given, so `addJob` (and `modifyJob`) refuse it
   * rather than each run failing: a thread or process executor refuses a function (a closure cannot
   * be sent to a worker) and args that cannot be structured-cloned. `reference` is what
   * `RunAttempt.reference` would be.
   */
  validateJob?(job: JobState, reference: string | undefined): void;
}
