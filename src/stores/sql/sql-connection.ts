/**
 * What the SQL job store needs from a database driver. Each backend folder adapts its driver to this
 * (better-sqlite3, pg, mysql2); the shared code never imports a driver. Statements use `?`
 * placeholders; an adapter whose driver wants another style (`$1` for pg) rewrites them.
 */
export interface SqlSession {
  /** Runs one statement. `rows` holds what it returned (SELECT, RETURNING); `changes` the rows it matched. */
  run(sql: string, params?: readonly unknown[]): Promise<SqlResult>;
}

export interface SqlResult {
  rows: Record<string, unknown>[];
  changes: number;
}

export interface SqlConnection extends SqlSession {
  /**
   * Runs `work` in one transaction on one connection and commits, or rolls back when it throws.
   * Statements outside `work` never run inside the transaction. SQLite begins it with
   * `BEGIN IMMEDIATE`, so the write lock is taken first and a second process waits (busy_timeout)
   * instead of failing when it upgrades a read.
   */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Closes what the adapter opened; a driver instance the user passed in is left open. */
  close(): Promise<void>;
}
