import { SerializationError } from '../errors.js';
import type { RunRecord } from './job-store.js';

/**
 * A run record with its times as epoch ms (`NaN` for none), made into `Date`s only when read: the
 * memory store keeps the record itself, so a run that nobody listens to allocates no `Date` for its
 * record, and a record held in the history is one object. Each read of a time returns a new `Date`.
 */
export class TimedRunRecord implements RunRecord {
  constructor(
    readonly jobId: string,
    readonly scheduledMs: number,
    readonly startedMs: number,
    readonly finishedMs: number,
    readonly outcome: RunRecord['outcome'],
    readonly error: RunRecord['error'],
    readonly returnValue: unknown,
    readonly schedulerId: string,
    readonly manual = false,
  ) {}

  /** A record of this kind with the same content: `record` itself when it is one. */
  static of(record: RunRecord): TimedRunRecord {
    if (record instanceof TimedRunRecord) return record;
    return new TimedRunRecord(
      record.jobId,
      record.scheduledRunTime.getTime(),
      startedMs(record),
      finishedMs(record),
      record.outcome,
      record.error,
      record.returnValue,
      record.schedulerId,
      record.manual === true,
    );
  }

  get scheduledRunTime(): Date {
    return new Date(this.scheduledMs);
  }

  get startedAt(): Date | null {
    return Number.isNaN(this.startedMs) ? null : new Date(this.startedMs);
  }

  get finishedAt(): Date | null {
    return Number.isNaN(this.finishedMs) ? null : new Date(this.finishedMs);
  }
}

/** A record's start time in epoch ms, `NaN` for none; a `TimedRunRecord` makes no `Date` for it. */
export function startedMs(record: RunRecord): number {
  if (record instanceof TimedRunRecord) return record.startedMs;
  return record.startedAt === null ? NaN : record.startedAt.getTime();
}

/** A record's end time in epoch ms, `NaN` for none. */
export function finishedMs(record: RunRecord): number {
  if (record instanceof TimedRunRecord) return record.finishedMs;
  return record.finishedAt === null ? NaN : record.finishedAt.getTime();
}

/**
 * The newest version of the stored form of a run record, the one this Horae reads up to. Bump it
 * with every change to `StoredRunRecord`, and teach `deserializeRunRecord` to read the previous one.
 * Version 2 added `manual`; version 3 the `interrupted` outcome. A record is written in the oldest version that can hold it: a
 * scheduled run's record is still version 1, which a Horae from before version 2 can read, so
 * processes of both ages may share a store while they are upgraded one by one.
 */
export const RUN_RECORD_VERSION = 3;

/** A run record as every persistent store keeps it: JSON, times as epoch ms. */
interface StoredRunRecord {
  version: 1 | 2 | typeof RUN_RECORD_VERSION;
  jobId: string;
  scheduledRunTime: number;
  startedAt: number | null;
  finishedAt: number | null;
  outcome: RunRecord['outcome'];
  error: RunRecord['error'];
  returnValue: unknown;
  schedulerId: string;
  /** Version 2: present (and true) only for a manual run. */
  manual?: true;
}

const OUTCOMES: readonly unknown[] = [
  'success',
  'error',
  'missed',
  'timeout',
  'interrupted',
] satisfies RunRecord['outcome'][];

/** A run record as JSON text, in the stored form of `RUN_RECORD_VERSION`. */
export function serializeRunRecord(record: RunRecord): string {
  const started = startedMs(record);
  const finished = finishedMs(record);
  const manual = record.manual === true;
  const stored: StoredRunRecord = {
    version: record.outcome === 'interrupted' ? RUN_RECORD_VERSION : manual ? 2 : 1,
    jobId: record.jobId,
    scheduledRunTime: record.scheduledRunTime.getTime(),
    startedAt: Number.isNaN(started) ? null : started,
    finishedAt: Number.isNaN(finished) ? null : finished,
    outcome: record.outcome,
    error: record.error,
    returnValue: record.returnValue ?? null,
    schedulerId: record.schedulerId,
  };
  if (manual) stored.manual = true;
  return JSON.stringify(stored);
}

/**
 * Reads a run record that `serializeRunRecord` wrote (any version up to `RUN_RECORD_VERSION`; one
 * without `manual` is a scheduled run), or one from before the stored form had a version (the
 * Redis store wrote the same fields without one, up to Horae 0.1). Throws
 * `SerializationError` for text that is not such a record, or of a version this Horae cannot read.
 */
export function deserializeRunRecord(text: unknown): RunRecord {
  let stored: Partial<StoredRunRecord> | null;
  try {
    stored = JSON.parse(String(text)) as Partial<StoredRunRecord> | null;
  } catch (cause) {
    throw new SerializationError('Stored run record is not valid JSON', { cause });
  }
  if (stored === null || typeof stored !== 'object') {
    throw new SerializationError('Stored run record is not a JSON object');
  }
  if (
    stored.version !== undefined &&
    stored.version !== 1 &&
    stored.version !== 2 &&
    stored.version !== RUN_RECORD_VERSION
  ) {
    throw new SerializationError(
      `Stored run record has version ${String(stored.version)}; this Horae reads versions 1 to ${RUN_RECORD_VERSION}`,
    );
  }
  const { jobId, scheduledRunTime, startedAt, finishedAt, outcome } = stored;
  if (typeof jobId !== 'string' || typeof scheduledRunTime !== 'number' || !OUTCOMES.includes(outcome)) {
    throw new SerializationError(
      'Stored run record lacks a string jobId, a numeric scheduledRunTime or a known outcome',
    );
  }
  return {
    jobId,
    scheduledRunTime: new Date(scheduledRunTime),
    startedAt: typeof startedAt === 'number' ? new Date(startedAt) : null,
    finishedAt: typeof finishedAt === 'number' ? new Date(finishedAt) : null,
    outcome: outcome as RunRecord['outcome'],
    error: stored.error ?? null,
    returnValue: stored.returnValue ?? null,
    schedulerId: String(stored.schedulerId),
    manual: stored.manual === true,
  };
}
