import { InvalidArgumentError } from '../errors.js';
import type { JobFunction } from '../job-state.js';
import { findUnknownOption, unknownOptionMessage } from '../unknown-option.js';
import { BaseExecutor, readPositiveInteger, type AttemptOutcome, type RunAttempt } from './base-executor.js';
import { runInJobContext, type JobContext } from './job-context.js';
import { registerExecutorType } from './registry.js';

export interface AsyncExecutorOptions {
  /** How many runs may be in progress at once; more wait in a queue. Default 10 (APScheduler's pool size). */
  maxConcurrency?: number;
}

const OPTION_KEYS = ['maxConcurrency'] as const satisfies readonly (keyof AsyncExecutorOptions)[];

/**
 * The default executor: runs sync and async job functions on the event loop, at most
 * `maxConcurrency` at a time. A job that throws or rejects becomes `EVENT_JOB_ERROR`; it never
 * becomes an unhandled rejection and never stops the scheduler. CPU-bound jobs block the loop here:
 * give them a `ThreadExecutor`.
 *
 * Code on the event loop cannot be stopped from outside, so a timeout or `shutdown({ wait: false })`
 * aborts the job's `AbortSignal` (`currentJob().signal`) and reports the run as failed at once; a
 * job that ignores its signal goes on in the background, no longer counted as running.
 */
export class AsyncExecutor extends BaseExecutor {
  readonly maxConcurrency: number;
  private readonly finishedNow: AttemptOutcome = { ok: true, value: undefined };

  /** Throws `InvalidArgumentError` naming a bad or unknown option. */
  constructor(options: AsyncExecutorOptions = {}) {
    checkOptions(options);
    const max = readPositiveInteger(options.maxConcurrency ?? 10, 'maxConcurrency');
    super(max);
    this.maxConcurrency = max;
  }

  /** A job whose function is known already runs at once; a sync one finishes without any promise. */
  protected override executeNow(attempt: RunAttempt): AttemptOutcome | Promise<unknown> | undefined {
    const func = attempt.submission.resolveFunction();
    if (typeof func !== 'function') return undefined;
    const value = this.call(attempt, func);
    if (isThenable(value)) return this.settleOrAbort(attempt, Promise.resolve(value));
    // One outcome object for every synchronous run: the caller reads it before anything else runs.
    this.finishedNow.value = value;
    return this.finishedNow;
  }

  /** For a function that must be imported first. */
  protected async execute(attempt: RunAttempt): Promise<unknown> {
    const func = await attempt.submission.resolveFunction();
    return this.settleOrAbort(attempt, Promise.resolve(this.call(attempt, func)));
  }

  private call(attempt: RunAttempt, func: JobFunction): unknown {
    const context = new AttemptContext(attempt, this.context?.alias ?? 'default');
    return runInJobContext(context, func, attempt.submission.job.args);
  }

  /** The job's promise, or a rejection as soon as the attempt is aborted (timeout, shutdown). */
  private settleOrAbort(attempt: RunAttempt, running: Promise<unknown>): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      attempt.onAbort(reject);
      running.then(resolve, reject);
    });
  }
}

function checkOptions(options: unknown): asserts options is AsyncExecutorOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(
      `AsyncExecutor options must be an object such as { maxConcurrency: 10 }, not ${JSON.stringify(options) ?? String(options)}`,
      { field: 'options', value: options },
    );
  }
  const unknown = findUnknownOption(options, OPTION_KEYS);
  if (unknown !== undefined) {
    throw new InvalidArgumentError(unknownOptionMessage('AsyncExecutor', unknown, OPTION_KEYS), {
      field: unknown,
      value: (options as Record<string, unknown>)[unknown],
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * A running job's `currentJob()`. A class, not an object literal with a getter: V8 then shares one
 * shape and one getter for all runs, and 100,000 runs a second stay young garbage. The signal is
 * made only when the job reads it; most never do, and an AbortController is not free.
 */
class AttemptContext implements JobContext {
  readonly jobId: string;
  readonly jobStore: string;
  readonly scheduledRunTime: Date;

  constructor(
    private readonly attempt: RunAttempt,
    readonly executor: string,
  ) {
    this.jobId = attempt.submission.job.id;
    this.jobStore = attempt.submission.jobStore;
    this.scheduledRunTime = attempt.scheduledRunTime;
  }

  get signal(): AbortSignal {
    return this.attempt.signal;
  }
}

registerExecutorType('async', (options) => new AsyncExecutor(options as AsyncExecutorOptions));
