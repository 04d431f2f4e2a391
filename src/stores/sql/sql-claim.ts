import type { SqlConnection } from './sql-connection.js';
import type { ClaimRequest } from './sql-dialect.js';
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
 * Rows to take in one atomic step, whatever the table: the first `limit` rows of a query, each
 * marked as taken by `set`. Due jobs (`dueJobsClaim`) and waiting runs (`SqlJobStore.acquireRuns`)
 * are both claimed this way. The table's key column is `id`.
 */
export interface RowClaim {
  table: string;
  /** The columns returned. */
  columns: string;
  /** `WHERE ... ORDER BY ... LIMIT ?`, without the lock clause; `params` are its parameters. */
  where: string;
  params: unknown[];
  /** `column = ?, ...`, the mark of a taken row; `setParams` are its parameters. */
  set: string;
  setParams: unknown[];
}

/**
 * Claims in one statement: `UPDATE ... WHERE id IN (SELECT ... LIMIT ?) RETURNING`. With
 * `FOR UPDATE SKIP LOCKED` as `lockClause` (PostgreSQL), rows another transaction is claiming are
 * skipped rather than waited for, so concurrent claimers split the rows between them. SQLite
 * needs no clause: a write statement takes the database's write lock when it starts. The rows
 * come back as they are after the update.
 */
export async function claimInOneStatement(
  db: SqlConnection,
  claim: RowClaim,
  lockClause: string,
): Promise<Record<string, unknown>[]> {
  const sql =
    `UPDATE ${claim.table} SET ${claim.set} WHERE id IN (` +
    `SELECT id FROM ${claim.table} ${claim.where}${lockClause}) RETURNING ${claim.columns}`;
  const { rows } = await db.run(sql, [...claim.setParams, ...claim.params]);
  return rows;
}

/**
 * Claims in a transaction, for databases without UPDATE ... RETURNING (MySQL, MariaDB): selects
 * the rows, locking them with `lockClause`, then marks them. The rows come back as they were
 * before the mark.
 */
export async function claimInTransaction(
  db: SqlConnection,
  claim: RowClaim,
  lockClause: string,
): Promise<Record<string, unknown>[]> {
  const select = `SELECT ${claim.columns} FROM ${claim.table} ${claim.where}${lockClause}`;
  return db.transaction(async (session) => {
    const { rows } = await session.run(select, claim.params);
    for (let start = 0; start < rows.length; start += IN_LIST_CHUNK) {
      const ids = rows.slice(start, start + IN_LIST_CHUNK).map((row) => row.id);
      await session.run(`UPDATE ${claim.table} SET ${claim.set} WHERE id IN (${placeholders(ids.length)})`, [
        ...claim.setParams,
        ...ids,
      ]);
    }
    return rows;
  });
}

/**
 * The due jobs that no live lease holds, earliest first: the `(next_run_time, id)` index is read in
 * order and stops after `limit` rows; each is leased to the claimer.
 */
export function dueJobsClaim(tables: TableNames, request: ClaimRequest): RowClaim {
  return {
    table: tables.jobs,
    columns: JOB_COLUMNS,
    where:
      'WHERE next_run_time <= ? AND (acquired_until IS NULL OR acquired_until <= ?) ' +
      'ORDER BY next_run_time, id LIMIT ?',
    params: [request.now, request.now, request.limit],
    set: 'acquired_by = ?, acquired_until = ?',
    setParams: [request.schedulerId, request.until],
  };
}
