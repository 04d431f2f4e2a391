import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, type JobExecutionEvent } from '../events/events.js';
import { assertJsonSafe } from '../serialization.js';
import type { RunRecord } from '../stores/job-store.js';
import { TimedRunRecord } from '../stores/run-record.js';

/** The record of a run that ended: `success` with its return value, or `error` / `timeout`. */
export function endedRunRecord(
  jobId: string,
  scheduledRunTime: Date,
  startedMs: number,
  finishedMs: number,
  ok: boolean,
  result: unknown,
  timedOut: boolean,
  schedulerId: string,
): TimedRunRecord {
  return new TimedRunRecord(
    jobId,
    scheduledRunTime,
    startedMs,
    finishedMs,
    ok ? 'success' : timedOut ? 'timeout' : 'error',
    ok ? null : describeError(result),
    ok ? storableValue(result) : null,
    schedulerId,
  );
}

/** The run-history record of an executed, failed or missed run. */
export function toRunRecord(event: JobExecutionEvent, schedulerId: string): RunRecord {
  return {
    jobId: event.jobId,
    scheduledRunTime: event.scheduledRunTime,
    startedAt: event.startedAt ?? null,
    finishedAt: event.finishedAt ?? null,
    outcome:
      event.code === EVENT_JOB_EXECUTED
        ? 'success'
        : event.code === EVENT_JOB_ERROR
          ? event.timedOut === true
            ? 'timeout'
            : 'error'
          : 'missed',
    error: event.code === EVENT_JOB_ERROR ? describeError(event.exception) : null,
    returnValue: event.code === EVENT_JOB_EXECUTED ? storableValue(event.retval) : null,
    schedulerId,
  };
}

function describeError(error: unknown): RunRecord['error'] {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: typeof error, message: String(error) };
}

/** A return value as JSON can carry it: itself when it can, else its `String()` form. */
function storableValue(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    assertJsonSafe(value, 'returnValue');
    return value;
  } catch {
    // String() of arrays nested thousands deep overflows the stack too; a run's record must not
    // take the process down with it.
    try {
      return String(value);
    } catch (error) {
      return `[return value not stored: ${(error as Error).message}]`;
    }
  }
}
