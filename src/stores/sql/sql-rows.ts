import { SerializationError } from '../../errors.js';
import type { JobState } from '../../job-state.js';
import { deserializeActiveRun } from '../active-run.js';
import { deserializeJob } from '../job-serializer.js';
import type { ActiveRun } from '../job-store.js';
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

/**
 * Reads a row of the `activeRuns` table (`ACTIVE_RUN_COLUMNS`). Its holder comes from the `node`
 * and `lease_until` columns, which heartbeats and claims change without rewriting the text, or
 * from `holder` when the caller knows the row's new ones. Throws `SerializationError`.
 */
export function readActiveRunRow(
  row: Record<string, unknown>,
  holder?: { node: string | null; leaseUntil: Date | null },
): ActiveRun {
  const id = String(row.id);
  const leaseUntil = toMs(row.lease_until);
  const run = deserializeActiveRun(
    row.run,
    holder ?? {
      node: row.node === null || row.node === undefined ? null : String(row.node),
      leaseUntil: leaseUntil === null ? null : new Date(leaseUntil),
    },
  );
  if (run.id !== id) throw new SerializationError(`Stored run "${id}" holds the run "${run.id}"`);
  return run;
}
