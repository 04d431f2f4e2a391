import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MISSED,
  type JobErrorEvent,
  type JobExecutedEvent,
  type JobMissedEvent,
} from '../events/events.js';
import type { JobState } from '../job-state.js';
import { isJsonSafe } from '../serialization.js';
import type { RunRecord } from '../stores/job-store.js';
import { TimedRunRecord } from '../stores/run-record.js';

/** How a run ended: as its run record's `outcome` says. */
export type RunStatus = RunRecord['outcome'];

/**
 * How one run of a job ended: executed (`success`, `value` is the return value), failed (`error` or
 * `timeout`, `value` is the error) or `missed` (never started). Its run record and its event are
 * both derived from it (`outcomeRecord`, `outcomeEvent`), in one place, whoever found the outcome:
 * the run queue for runs that started, the processor for runs missed at planning time or whose
 * executor is missing. It is read at once and not kept (the run queue reuses one per submission).
 */
export interface RunOutcome {
  readonly job: JobState;
  readonly jobStore: string;
  readonly scheduledRunTime: Date;
  readonly status: RunStatus;
  readonly value: unknown;
  /** When the run's first attempt started and its last ended, epoch ms; `NaN` when it never started. */
  readonly startedMs: number;
  readonly finishedMs: number;
  /** True for a run started by hand (`Scheduler.runJob`); its record says so. */
  readonly manual?: boolean;
}

/** An outcome found outside the run queue: a run missed when planned, or that had no executor. */
export class Outcome implements RunOutcome {
  constructor(
    readonly job: JobState,
    readonly jobStore: string,
    readonly scheduledRunTime: Date,
    readonly status: RunStatus,
    readonly value: unknown = undefined,
    readonly startedMs = NaN,
    readonly finishedMs = NaN,
  ) {}
}

/** The event code an outcome is reported under. */
export function outcomeCode(status: RunStatus): number {
  return status === 'success' ? EVENT_JOB_EXECUTED : status === 'missed' ? EVENT_JOB_MISSED : EVENT_JOB_ERROR;
}

/** The run-history record of an outcome. */
export function outcomeRecord(outcome: RunOutcome, schedulerId: string): TimedRunRecord {
  const { status, value } = outcome;
  return new TimedRunRecord(
    outcome.job.id,
    outcome.scheduledRunTime.getTime(),
    outcome.startedMs,
    outcome.finishedMs,
    status,
    status === 'error' || status === 'timeout' ? describeError(value) : null,
    status === 'success' ? storableValue(value) : null,
    schedulerId,
    outcome.manual === true,
  );
}

/** The event of an outcome: `EVENT_JOB_EXECUTED`, `EVENT_JOB_ERROR` or `EVENT_JOB_MISSED`. */
export function outcomeEvent(outcome: RunOutcome): JobExecutedEvent | JobErrorEvent | JobMissedEvent {
  const { job, jobStore, scheduledRunTime, status, startedMs, finishedMs } = outcome;
  const jobId = job.id;
  if (status === 'missed') return { code: EVENT_JOB_MISSED, jobId, jobStore, scheduledRunTime };
  if (status === 'success') {
    return {
      code: EVENT_JOB_EXECUTED,
      jobId,
      jobStore,
      scheduledRunTime,
      retval: outcome.value,
      startedAt: new Date(startedMs),
      finishedAt: new Date(finishedMs),
    };
  }
  const event: JobErrorEvent = {
    code: EVENT_JOB_ERROR,
    jobId,
    jobStore,
    scheduledRunTime,
    exception: outcome.value,
    traceback: describeStack(outcome.value),
    timedOut: status === 'timeout',
  };
  // A run whose executor is missing never started: its event has no run times.
  if (!Number.isNaN(startedMs)) {
    event.startedAt = new Date(startedMs);
    event.finishedAt = new Date(finishedMs);
  }
  return event;
}

export function describeStack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

function describeError(error: unknown): RunRecord['error'] {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: typeof error, message: String(error) };
}

/** A return value as JSON can carry it: itself when it can, else its `String()` form. */
function storableValue(value: unknown): unknown {
  if (value === undefined) return null;
  // Checked without throwing: a job that returns a Date or a class instance on every run must not
  // pay for an error and its stack each time.
  if (isJsonSafe(value)) return value;
  // String() of arrays nested thousands deep overflows the stack too; a run's record must not
  // take the process down with it.
  try {
    return String(value);
  } catch (error) {
    return `[return value not stored: ${(error as Error).message}]`;
  }
}
