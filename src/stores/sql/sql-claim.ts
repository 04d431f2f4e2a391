import type { SqlConnection } from './sql-connection.js';
import type { ClaimRequest, JobRow } from './sql-dialect.js';
import type { TableNames } from './sql-tables.js';

/** The columns a job is read from. */
export const JOB_COLUMNS = 'id, job, next_run_time, next_fire_time';

/** How many values go in one `IN (...)` list. */
export const IN_LIST_CHUNK = 500;

/** `?, ?, ?` for `count` values. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/**
 * The due jobs that no live lease holds, earliest first: the `(next_run_time, id)` index is read in
 * order and stops after `limit` rows. `lockClause` is appended (`FOR UPDATE SKIP LOCKED`).
 * Parameters: now, now, limit.
 */
export function dueJobsQuery(tables: TableNames, columns: string, lockClause: string): string {
  return (
    `SELECT ${columns} FROM ${tables.jobs} WHERE next_run_time <= ? ` +
    `AND (acquired_until IS NULL OR acquired_until <= ?) ORDER BY next_run_time, id LIMIT ?${lockClause}`
  );
}

/**
 * Claims in one statement: `UPDATE ... WHERE id IN (SELECT ... LIMIT ?) RETURNING`. With
 * `FOR UPDATE SKIP LOCKED` as `lockClause` (PostgreSQL), rows another transaction is claiming are
 * skipped rather than waited for, so concurrent claimers split the due jobs between them. SQLite
 * needs no clause: a write statement takes the database's write lock when it starts.
 */
export async function claimInOneStatement(
  db: SqlConnection,
  tables: TableNames,
  request: ClaimRequest,
  lockClause: string,
): Promise<JobRow[]> {
  const sql =
    `UPDATE ${tables.jobs} SET acquired_by = ?, acquired_until = ? WHERE id IN (` +
    `${dueJobsQuery(tables, 'id', lockClause)}) RETURNING ${JOB_COLUMNS}`;
  const { rows } = await db.run(sql, [
    request.schedulerId,
    request.until,
    request.now,
    request.now,
    request.limit,
  ]);
  return rows as unknown as JobRow[];
}

/**
 * Claims in a transaction, for databases without UPDATE ... RETURNING (MySQL, MariaDB): selects
 * the due rows, locking them with `lockClause`, then marks them leased.
 */
export async function claimInTransaction(
  db: SqlConnection,
  tables: TableNames,
  request: ClaimRequest,
  lockClause: string,
): Promise<JobRow[]> {
  const select = dueJobsQuery(tables, JOB_COLUMNS, lockClause);
  return db.transaction(async (session) => {
    const { rows } = await session.run(select, [request.now, request.now, request.limit]);
    for (let start = 0; start < rows.length; start += IN_LIST_CHUNK) {
      const ids = rows.slice(start, start + IN_LIST_CHUNK).map((row) => row.id);
      await session.run(
        `UPDATE ${tables.jobs} SET acquired_by = ?, acquired_until = ? WHERE id IN (${placeholders(ids.length)})`,
        [request.schedulerId, request.until, ...ids],
      );
    }
    return rows as unknown as JobRow[];
  });
}
