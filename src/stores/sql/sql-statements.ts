import { JOB_COLUMNS, placeholders } from './sql-claim.js';
import type { SqlDialect } from './sql-dialect.js';
import type { TableNames } from './sql-tables.js';

/** The statements that are the same on every database. */
export function statements(tables: TableNames, dialect: SqlDialect) {
  const jobs = tables.jobs;
  const runs = tables.runs;
  const releases = new Map<number, string>();
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
    deleteLeased: `DELETE FROM ${jobs} WHERE acquired_by = ? AND id IN `,
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
          `acquired_by = NULL, acquired_until = NULL WHERE acquired_by = ? AND id IN (${placeholders(count)})`;
        releases.set(count, sql);
      }
      return sql;
    },
  };
}
