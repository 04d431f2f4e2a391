import { InvalidArgumentError } from '../errors.js';
import type { JobFunction } from '../job-state.js';
import { findUnknownOption, unknownOptionMessage } from '../unknown-option.js';
import type { AttemptOutcome, Executor, ExecutorContext, RunAttempt } from './executor.js';
import { runInJobContext } from './job-context.js';
import { readPositiveInteger } from './read-options.js';
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
export class AsyncExecutor implements Executor {
  readonly maxConcurrency: number;
  private readonly finishedNow: AttemptOutcome = { ok: true, value: undefined };

  /** Throws `InvalidArgumentError` naming a bad or unknown option. */
  constructor(options: AsyncExecutorOptions = {}) {
    checkOptions(options);
    this.maxConcurrency = readPositiveInteger(options.maxConcurrency ?? 10, 'maxConcurrency');
  }

  get concurrency(): number {
    return this.maxConcurrency;
  }

  async start(_context: ExecutorContext): Promise<void> {}

  async shutdown(): Promise<void> {}

  /** Runs the job at once; a sync one finishes without any promise. */
  executeNow(attempt: RunAttempt): AttemptOutcome | Promise<unknown> {
    const value = this.call(attempt);
    if (isThenable(value)) return settleOrAbort(attempt, Promise.resolve(value));
    // One outcome object for every synchronous run: the caller reads it before anything else runs.
    this.finishedNow.value = value;
    return this.finishedNow;
  }

  execute(attempt: RunAttempt): Promise<unknown> {
    try {
      return settleOrAbort(attempt, Promise.resolve(this.call(attempt)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Calls the job with the attempt as its `currentJob()`. */
  private call(attempt: RunAttempt): unknown {
    return runInJobContext(attempt, attempt.func as JobFunction, attempt.job.args);
  }
}

/** The job's promise, or a rejection as soon as the attempt is aborted (timeout, shutdown). */
function settleOrAbort(attempt: RunAttempt, running: Promise<unknown>): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    attempt.onAbort(reject);
    running.then(resolve, reject);
  });
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

registerExecutorType('async', (options) => new AsyncExecutor(options));
