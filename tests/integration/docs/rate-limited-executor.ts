import { InvalidArgumentError } from '../../../src/index.js';
import type { Executor, JobFunction, RunAttempt } from '../../../src/index.js';

export interface RateLimitedExecutorOptions {
  /** Attempts started per second at most, evenly spaced. */
  perSecond: number;
}

/**
 * Runs jobs on the event loop, starting at most `perSecond` attempts a second, one every
 * `1000 / perSecond` ms: for jobs that call an API with a rate limit. The scheduler queues the runs
 * beyond `concurrency`, so at most a second's worth of attempts waits here for its turn; the wait
 * counts toward the job's `timeout`.
 */
export class RateLimitedExecutor implements Executor {
  readonly concurrency: number;
  private readonly spacingMs: number;
  /** When the next attempt may start (epoch ms). */
  private nextStart = 0;

  constructor({ perSecond }: RateLimitedExecutorOptions) {
    if (!(perSecond > 0 && Number.isFinite(perSecond))) {
      throw new InvalidArgumentError(`perSecond must be a positive number, not ${String(perSecond)}`, {
        field: 'perSecond',
        value: perSecond,
      });
    }
    this.concurrency = Math.ceil(perSecond);
    this.spacingMs = 1000 / perSecond;
  }

  // Nothing to open or close: the jobs run on the event loop. The scheduler calls `shutdown` only
  // once none of this executor's attempts is running.
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  execute(attempt: RunAttempt): Promise<unknown> {
    // The scheduler has resolved the job's function (this executor runs functions, the default).
    const func = attempt.func as JobFunction;
    const startAt = Math.max(Date.now(), this.nextStart);
    this.nextStart = startAt + this.spacingMs;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Timed out or shut down without waiting: settle at once. A job still waiting never starts;
      // one already running goes on unobserved (code on the event loop cannot be stopped).
      attempt.onAbort((reason) => {
        clearTimeout(timer);
        reject(reason);
      });
      const startWhenDue = () => {
        const wait = startAt - Date.now();
        // A timer counts from the event loop's cached time and may fire early: then wait again.
        if (wait > 0) {
          timer = setTimeout(startWhenDue, wait);
          return;
        }
        // In a promise chain, so a job that throws is reported like one that rejects.
        Promise.resolve()
          .then(() => func(...attempt.job.args))
          .then(resolve, reject);
      };
      startWhenDue();
    });
  }
}
