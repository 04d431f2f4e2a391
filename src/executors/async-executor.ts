import { BaseExecutor, readPositiveInteger, type RunAttempt } from './base-executor.js';
import { runInJobContext, type JobContext } from './job-context.js';
import { registerExecutorType } from './registry.js';

export interface AsyncExecutorOptions {
  /** How many runs may be in progress at once; more wait in a queue. Default 10 (APScheduler's pool size). */
  maxConcurrency?: number;
}

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

  constructor(options: AsyncExecutorOptions = {}) {
    const max = readPositiveInteger(options.maxConcurrency ?? 10, 'maxConcurrency');
    super(max);
    this.maxConcurrency = max;
  }

  protected execute(attempt: RunAttempt): Promise<unknown> {
    const running = this.call(attempt);
    return new Promise<unknown>((resolve, reject) => {
      attempt.onAbort(reject);
      running.then(resolve, reject);
    });
  }

  private async call(attempt: RunAttempt): Promise<unknown> {
    const { submission, scheduledRunTime } = attempt;
    const { job, jobStore } = submission;
    const func = await submission.resolveFunction();
    const context: JobContext = {
      jobId: job.id,
      jobStore,
      executor: this.context?.alias ?? 'default',
      scheduledRunTime,
      // Made only when the job reads it: most never do, and an AbortController is not free.
      get signal() {
        return attempt.signal;
      },
    };
    return runInJobContext(context, () => func(...job.args));
  }
}

registerExecutorType('async', (options) => new AsyncExecutor(options as AsyncExecutorOptions));
