// Test doubles shared by the executor tests (unit and integration): a job as a store hands it
// over, and an executor context that collects what the executor emits.
import { SystemClock, silentLogger, type Clock, type JobState } from '../../../src/index.js';
import { waitUntil } from '../../helpers/wait.js';
import type { Executor, ExecutorContext, ExecutorEvent } from '../../../src/executors/executor.js';

/** A job as a store would hand it to an executor; `trigger` is never read by executors. */
export function makeJob(overrides: Partial<JobState> = {}): JobState {
  return {
    id: 'job',
    name: 'job',
    func: () => undefined,
    trigger: null as unknown as JobState['trigger'],
    executor: 'default',
    args: [],
    misfireGraceTime: null,
    coalesce: true,
    maxInstances: 1,
    nextRunTime: null,
    nextFireTime: null,
    timeout: null,
    retry: null,
    ...overrides,
  };
}

/** An executor context that collects events, with a way to wait for them in real time. */
export function makeContext(
  options: { clock?: Clock; alias?: string; baseDir?: string; wants?: boolean } = {},
) {
  const events: ExecutorEvent[] = [];
  const context: ExecutorContext = {
    alias: options.alias ?? 'default',
    clock: options.clock ?? new SystemClock(),
    logger: silentLogger,
    emit: (event) => events.push(event),
    wants: () => options.wants ?? true,
    baseDir: options.baseDir ?? process.cwd(),
  };
  /** Resolves once `count` events with `code` (any code when omitted) have arrived. */
  async function waitForEvents(count: number, code?: number, timeoutMs = 15_000): Promise<ExecutorEvent[]> {
    const matching = () => events.filter((event) => code === undefined || event.code === code);
    await waitUntil(
      () => matching().length >= count,
      () => `${count} events (code ${code}); got ${JSON.stringify(events.map((event) => event.code))}`,
      timeoutMs,
    );
    return matching();
  }
  return { context, events, waitForEvents };
}

/**
 * Submits `job` to `executor` with `runs` run times, all due now by the context's clock. A string
 * `func` is imported here the way the scheduler's resolver would (for the event-loop executor).
 */
export function submit(executor: Executor, context: ExecutorContext, job: JobState, runs = 1): void {
  const now = context.clock.now();
  executor.submitJob({
    job,
    jobStore: 'default',
    scheduledRunTimes: Array.from({ length: runs }, () => new Date(now)),
    resolveFunction: async () => {
      const func = job.func;
      if (typeof func === 'function') return func;
      const separator = func.lastIndexOf(':');
      let target: unknown = await import(func.slice(0, separator));
      for (const key of func.slice(separator + 1).split('.'))
        target = (target as Record<string, unknown>)[key];
      return target as (...args: unknown[]) => unknown;
    },
  });
}

export { waitUntil };
