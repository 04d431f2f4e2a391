import type { Trigger } from './triggers/trigger.js';

/** A job function: sync or async, called with the job's `args`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobFunction = (...args: any[]) => unknown;

/**
 * Everything a job store keeps about one job. Stores treat it as a value: they copy it in and out
 * and never share an instance with the scheduler, so a caller cannot change a stored job by
 * mutating an object it holds.
 */
export interface JobState {
  id: string;
  name: string;
  /**
   * The function itself (memory store only), a `'module:export'` reference, or the name of a task
   * registered with `scheduler.registerTask`.
   */
  func: JobFunction | string;
  trigger: Trigger;
  /** Alias of the executor that runs the job. */
  executor: string;
  args: unknown[];
  /** Seconds after the scheduled time a run may still start; `null` = no limit. */
  misfireGraceTime: number | null;
  coalesce: boolean;
  maxInstances: number;
  /** When the job runs next (jitter included); `null` while paused. */
  nextRunTime: Date | null;
  /** The trigger's unjittered fire time behind `nextRunTime`; the next one is computed from it. */
  nextFireTime: Date | null;
  /** Seconds a run may take before it is aborted and reported as timed out; `null` = no limit. */
  timeout: number | null;
  /** How a failed run is retried; `null` = not retried. */
  retry: RetryPolicy | null;
  /**
   * When a node dies during a run of this job (the run is then recorded as interrupted), true runs
   * it once more on another node (Quartz's `requestsRecovery`); absent or false reports it only.
   */
  requestsRecovery?: boolean;
  /**
   * The W3C trace context that was active when the job was added, kept only when tracing is on
   * (`horae/tracing`): each run's span links to it. Absent otherwise.
   */
  traceContext?: TraceContext;
}

/** A W3C trace context (`traceparent` and `tracestate` headers), as a job keeps it. */
export interface TraceContext {
  /** `00-<trace id>-<span id>-<flags>`. */
  traceparent: string;
  tracestate?: string;
}

/** How a failed run is tried again. Plain data, so it can be stored with the job. */
export interface RetryPolicy {
  /** Total attempts, the first included (3 = the run and two retries). */
  attempts: number;
  /** Seconds before the first retry. Default 1. */
  delay: number;
  /** `'fixed'` waits `delay` each time; `'exponential'` doubles it each retry. Default `'exponential'`. */
  backoff: 'fixed' | 'exponential';
  /** Longest wait between attempts, in seconds. Default 300. */
  maxDelay: number;
  /** Error class names (`err.name`) to retry; `null` retries every error. */
  retryOn: string[] | null;
}

/** A copy of `job` that shares no mutable part with it, except the (immutable) trigger and func. */
export function copyJobState(job: JobState): JobState {
  return {
    ...job,
    args: [...job.args],
    nextRunTime: job.nextRunTime === null ? null : new Date(job.nextRunTime.getTime()),
    nextFireTime: job.nextFireTime === null ? null : new Date(job.nextFireTime.getTime()),
  };
}
