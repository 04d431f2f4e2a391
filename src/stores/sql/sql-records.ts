import type { RunRecord } from '../job-store.js';
import { serializeRunRecord, startedMs } from '../run-record.js';
import { IN_LIST_CHUNK, placeholders } from './sql-claim.js';
import type { SqlSession } from './sql-connection.js';
import type { Statements } from './sql-statements.js';

/**
 * Run records per INSERT statement (four parameters each): the scheduler's batch of a turn is
 * one statement; only a larger batch (written after an outage) takes more.
 */
const RUN_INSERT_CHUNK = 1000;

/**
 * Writes run records as they are given (the scheduler batches the records of a turn): one
 * multi-row INSERT, then one DELETE trimming the jobs of these records to their newest `retention`.
 */
export async function writeRunRecords(
  db: SqlSession,
  sql: Statements,
  records: RunRecord[],
  retention: number,
): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((record) => {
    const started = startedMs(record);
    return [
      record.jobId,
      record.scheduledRunTime.getTime(),
      Number.isNaN(started) ? null : started,
      serializeRunRecord(record),
    ];
  });
  for (let start = 0; start < rows.length; start += RUN_INSERT_CHUNK) {
    const chunk = rows.slice(start, start + RUN_INSERT_CHUNK);
    const values = chunk.map(() => '(?, ?, ?, ?)').join(', ');
    await db.run(`${sql.insertRuns}${values}`, chunk.flat());
  }
  const jobIds = [...new Set(records.map((record) => record.jobId))];
  for (let start = 0; start < jobIds.length; start += IN_LIST_CHUNK) {
    const ids = jobIds.slice(start, start + IN_LIST_CHUNK);
    await db.run(sql.trimRuns(placeholders(ids.length)), [...ids, retention]);
  }
}
