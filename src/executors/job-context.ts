import { AsyncLocalStorage } from 'node:async_hooks';

/** What a running job can learn about itself through `currentJob()`. */
export interface JobContext {
  jobId: string;
  jobStore: string;
  executor: string;
  /** The time this run was scheduled for (jitter included). */
  scheduledRunTime: Date;
  /**
   * Aborted when the run should stop: on `shutdown({ wait: false })`, and when the job's `timeout`
   * runs out (with a `JobTimeoutError` as its reason). In a thread or process worker it never aborts:
   * the worker is terminated instead.
   */
  signal: AbortSignal;
}

const storage = new AsyncLocalStorage<JobContext>();

/**
 * The context of the job run this code executes in, or `undefined` outside of one. Job functions
 * keep their own arguments; they read their context here instead.
 *
 * @example
 * async function report() {
 *   const { jobId, signal } = currentJob()!;
 *   await fetch(url, { signal });
 * }
 */
export function currentJob(): JobContext | undefined {
  return storage.getStore();
}

/** Calls `fn(...args)` with `context` as its `currentJob()` (and that of everything it starts). */
export function runInJobContext<A extends unknown[], T>(
  context: JobContext,
  fn: (...args: A) => T,
  args: A,
): T {
  // Without arguments (most jobs) no rest-argument array is made for each run.
  return args.length === 0 ? storage.run(context, fn) : storage.run(context, fn, ...args);
}
