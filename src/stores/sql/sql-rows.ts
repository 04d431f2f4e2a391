import { SerializationError } from '../../errors.js';
import type { JobState } from '../../job-state.js';
import { deserializeJob } from '../job-serializer.js';
import type { RunRecord } from '../job-store.js';
import type { JobRow } from './sql-dialect.js';

/** A BIGINT column as epoch ms: drivers return numbers (SQLite, mysql2) or strings (pg). */
export function toMs(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Number(value);
}

/**
 * Reads a job row. The document holds the job as `serializeJob` wrote it; the `next_run_time` and
 * `next_fire_time` columns are the truth for its schedule, since a release changes only them.
 * Throws `SerializationError` when the row cannot be read.
 */
export function readJobRow(row: JobRow): JobState {
  const id = String(row.id);
  let document: unknown;
  try {
    document = JSON.parse(String(row.job));
  } catch (cause) {
    throw new SerializationError(`Stored job "${id}" is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (document !== null && typeof document === 'object') {
    document = {
      ...document,
      nextRunTime: toMs(row.next_run_time),
      nextFireTime: toMs(row.next_fire_time),
    };
  }
  const job = deserializeJob(document);
  if (job.id !== id) throw new SerializationError(`Stored job "${id}" holds the document of job "${job.id}"`);
  return job;
}

/** The stored form of a run record: JSON with a version; times as epoch ms. */
interface SerializedRun {
  version: 1;
  jobId: string;
  scheduledRunTime: number;
  startedAt: number | null;
  finishedAt: number | null;
  outcome: RunRecord['outcome'];
  error: RunRecord['error'];
  returnValue: unknown;
  schedulerId: string;
}

export function serializeRun(record: RunRecord): string {
  const stored: SerializedRun = {
    version: 1,
    jobId: record.jobId,
    scheduledRunTime: record.scheduledRunTime.getTime(),
    startedAt: record.startedAt?.getTime() ?? null,
    finishedAt: record.finishedAt?.getTime() ?? null,
    outcome: record.outcome,
    error: record.error,
    returnValue: record.returnValue ?? null,
    schedulerId: record.schedulerId,
  };
  return JSON.stringify(stored);
}

/** Reads a stored run record; throws `SerializationError` for one this Horae cannot read. */
export function deserializeRun(text: unknown): RunRecord {
  let stored: SerializedRun;
  try {
    stored = JSON.parse(String(text)) as SerializedRun;
  } catch (cause) {
    throw new SerializationError('Stored run record is not valid JSON', { cause });
  }
  if (stored?.version !== 1) {
    throw new SerializationError(
      `Stored run record has version ${String(stored?.version)}; this Horae reads 1`,
    );
  }
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    jobId: stored.jobId,
    scheduledRunTime: new Date(stored.scheduledRunTime),
    startedAt: date(stored.startedAt),
    finishedAt: date(stored.finishedAt),
    outcome: stored.outcome,
    error: stored.error,
    returnValue: stored.returnValue,
    schedulerId: stored.schedulerId,
  };
}
