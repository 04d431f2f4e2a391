import type { JobState } from '../../src/job-state.js';
import type { Logger } from '../../src/logger.js';
import type { RunRecord } from '../../src/stores/job-store.js';
import { IntervalTrigger } from '../../src/triggers/interval-trigger.js';
import { T0 } from './time.js';

// Re-exported for the store tests, which import it from here with `makeJob`.
export { T0 };

/** A job as a persistent store can keep it: a `'module:export'` reference, JSON args, an interval trigger. */
export function makeJob(id: string, nextRunTime: number | null, overrides: Partial<JobState> = {}): JobState {
  const next = nextRunTime === null ? null : new Date(nextRunTime);
  return {
    id,
    name: `job ${id}`,
    func: 'tests/fixtures/tasks.js:noop',
    trigger: new IntervalTrigger({ seconds: 10, startDate: new Date(T0), timezone: 'UTC' }),
    executor: 'default',
    args: [],
    misfireGraceTime: 1,
    coalesce: true,
    maxInstances: 1,
    nextRunTime: next,
    nextFireTime: next === null ? null : new Date(next.getTime()),
    timeout: null,
    retry: null,
    ...overrides,
  };
}

/** A job with its trigger as JSON and its dates as epoch ms, so `toEqual` compares what a store must keep. */
export function plainJob(job: JobState): Record<string, unknown> {
  return {
    ...job,
    trigger: job.trigger.toJSON(),
    nextRunTime: job.nextRunTime?.getTime() ?? null,
    nextFireTime: job.nextFireTime?.getTime() ?? null,
  };
}

export function makeRun(
  jobId: string,
  scheduledRunTime: number,
  overrides: Partial<RunRecord> = {},
): RunRecord {
  return {
    jobId,
    scheduledRunTime: new Date(scheduledRunTime),
    startedAt: new Date(scheduledRunTime + 5),
    finishedAt: new Date(scheduledRunTime + 25),
    outcome: 'success',
    error: null,
    returnValue: null,
    schedulerId: 'scheduler-a',
    manual: false,
    ...overrides,
  };
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  details: unknown[];
}

/** A logger that keeps what it is told, for assertions. */
export function collectingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, ...details: unknown[]) =>
      void lines.push({ level, message, details });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
