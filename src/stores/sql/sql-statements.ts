import { JOB_COLUMNS, placeholders } from './sql-claim.js';
import type { SqlDialect } from './sql-dialect.js';
import type { TableNames } from './sql-tables.js';

/** The statements of one store (`statements`). */
export type Statements = ReturnType<typeof statements>;

/** What the parts of the SQL store share: its tables, its dialect and its statements. */
export interface SqlParts {
  tables: TableNames;
  dialect: SqlDialect;
  sql: Statements;
}

/** The columns of a run in progress (`activeRuns` table) as the store reads it. */
export const ACTIVE_RUN_COLUMNS = 'id, job_id, node, lease_until, run';

/** ` AND id NOT IN (?, ...)` for `count` ids, or nothing for none. */
export function notIn(count: number): string {
  return count === 0 ? '' : ` AND id NOT IN (${placeholders(count)})`;
}

/** `SqlDialect.upsert` for SQLite and PostgreSQL: `INSERT ... ON CONFLICT (key) DO UPDATE`. */
export function upsertOnConflict(table: string, columns: readonly string[], key: string): string {
  const updates = columns
    .filter((column) => column !== key)
    .map((column) => `${column} = excluded.${column}`);
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders(columns.length)}) ` +
    `ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`
  );
}

/** The statements that are the same on every database. */
export function statements(tables: TableNames, dialect: SqlDialect) {
  const jobs = tables.jobs;
  const runs = tables.runs;
  const active = tables.activeRuns;
  const releases = new Map<number, string>();
  // Where the database can, a release says which jobs it changed: the ones the caller still held.
  const returning = dialect.returning ? ' RETURNING id' : '';
  const runOrder = 'ORDER BY scheduled_run_time DESC, COALESCE(started_at, -1) DESC, id DESC';
  return {
    insertJob: `INSERT INTO ${jobs} (id, job, next_run_time, next_fire_time) VALUES (?, ?, ?, ?)`,
    updateJob:
      `UPDATE ${jobs} SET job = ?, next_run_time = ?, next_fire_time = ?, ` +
      `acquired_by = NULL, acquired_until = NULL WHERE id = ?`,
    deleteJob: `DELETE FROM ${jobs} WHERE id = ?`,
    deleteAllJobs: `DELETE FROM ${jobs}`,
    selectJob: `SELECT ${JOB_COLUMNS} FROM ${jobs} WHERE id = ?`,
    selectAllJobs:
      `SELECT ${JOB_COLUMNS} FROM ${jobs} ` +
      `ORDER BY CASE WHEN next_run_time IS NULL THEN 1 ELSE 0 END, next_run_time, id`,
    // Unleased jobs by the index on next_run_time; leased ones (few) by the index on acquired_until.
    nextRunTime:
      `SELECT (SELECT next_run_time FROM ${jobs} WHERE next_run_time IS NOT NULL AND acquired_until IS NULL ` +
      `ORDER BY next_run_time LIMIT 1) AS free_at, ` +
      `(SELECT MIN(${dialect.greatest('next_run_time', 'acquired_until')}) FROM ${jobs} ` +
      `WHERE acquired_until IS NOT NULL AND next_run_time IS NOT NULL) AS leased_at`,
    /** Deletes released one-shot jobs. Parameters: holder, id × count. */
    deleteLeased: (count: number) =>
      `DELETE FROM ${jobs} WHERE acquired_by = ? AND id IN (${placeholders(count)})${returning}`,
    /** Locks jobs by id, in id order, and reads their holders. */
    lockJobs: (count: number) =>
      `SELECT id, acquired_by FROM ${jobs} WHERE id IN (${placeholders(count)}) ORDER BY id${dialect.forUpdate}`,
    insertRuns: `INSERT INTO ${runs} (job_id, scheduled_run_time, started_at, record) VALUES `,
    // Window functions: SQLite 3.25, PostgreSQL, MySQL 8, MariaDB 10.2. The derived table lets MySQL
    // delete from the table it reads.
    trimRuns: (jobIds: string) =>
      `DELETE FROM ${runs} WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER ` +
      `(PARTITION BY job_id ${runOrder}) AS position FROM ${runs} WHERE job_id IN (${jobIds})) ranked ` +
      `WHERE position > ?)`,
    selectRuns: `SELECT record FROM ${runs} WHERE job_id = ? ${runOrder} LIMIT ?`,
    /**
     * Stores the next run times of `count` released jobs and ends their leases, in one statement.
     * Parameters: (id, next_run_time) × count, (id, next_fire_time) × count, holder, id × count.
     */
    release: (count: number) => {
      let sql = releases.get(count);
      if (sql === undefined) {
        const cases = Array.from({ length: count }, () => `WHEN ? THEN ${dialect.bigintParam}`).join(' ');
        sql =
          `UPDATE ${jobs} SET next_run_time = CASE id ${cases} END, next_fire_time = CASE id ${cases} END, ` +
          `acquired_by = NULL, acquired_until = NULL WHERE acquired_by = ? AND id IN (${placeholders(count)})` +
          returning;
        releases.set(count, sql);
      }
      return sql;
    },
    /** The stored runs of each of `count` jobs (by the `job_id` index). */
    countInstances: (count: number) =>
      `SELECT job_id, COUNT(*) AS instances FROM ${active} WHERE job_id IN (${placeholders(count)}) GROUP BY job_id`,
    insertActiveRuns: (count: number) =>
      `INSERT INTO ${active} (id, job_id, executor, node, lease_until, created_at, run) VALUES ` +
      Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', '),
    deleteHeldRuns: (count: number) =>
      `DELETE FROM ${active} WHERE node = ? AND id IN (${placeholders(count)})`,
    /** Every stored run, oldest first. */
    selectActiveRuns: `SELECT ${ACTIVE_RUN_COLUMNS} FROM ${active} ORDER BY created_at, id`,
    /**
     * Runs whose holder's lease ended, oldest lease first (by the `(lease_until, id)` index), but
     * for `skipped` ids. Parameters: now, id × skipped, limit.
     */
    selectEndedRuns: (columns: string, skipped: number) =>
      `SELECT ${columns} FROM ${active} WHERE lease_until < ?${notIn(skipped)} ORDER BY lease_until, id LIMIT ?`,
    deleteRuns: (count: number) => `DELETE FROM ${active} WHERE id IN (${placeholders(count)})`,
    /** Puts a run back to wait for any node. Parameters: created_at, run, id. */
    requeueRun: `UPDATE ${active} SET node = NULL, lease_until = NULL, created_at = ?, run = ? WHERE id = ?`,
    /** Gives back runs a node took but cannot read. Parameters: node, id × count. */
    unclaimRuns: (count: number) =>
      `UPDATE ${active} SET node = NULL, lease_until = NULL WHERE node = ? AND id IN (${placeholders(count)})`,
    extendLeases: `UPDATE ${active} SET lease_until = ? WHERE node = ?`,
    upsertNode: dialect.upsert(tables.nodes, ['id', 'expires_at', 'node'], 'id'),
    pruneNodes: `DELETE FROM ${tables.nodes} WHERE expires_at < ?`,
    deleteNode: `DELETE FROM ${tables.nodes} WHERE id = ?`,
    selectNodes: `SELECT id, node FROM ${tables.nodes} WHERE expires_at >= ? ORDER BY id`,
  };
}
