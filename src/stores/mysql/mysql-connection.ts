import type { SqlConnection, SqlResult, SqlSession } from '../sql/sql-connection.js';

/** The part of a mysql2/promise connection or pool that runs a query: `[rows or result header, fields]`. */
export interface MySqlQueryable {
  query(sql: string, values?: unknown[]): Promise<[unknown, unknown]>;
}

/** The part of a mysql2/promise `PoolConnection` the store uses. */
export interface MySqlPoolConnection extends MySqlQueryable {
  release(): void;
  destroy(): void;
}

/** The part of a mysql2/promise `Pool` the store uses; pass your own pool typed by it. */
export interface MySqlPool extends MySqlQueryable {
  getConnection(): Promise<MySqlPoolConnection>;
  end(): Promise<void>;
}

/**
 * Adapts a mysql2/promise pool. Statements go through `query` (mysql2 escapes the values into the
 * text), so `LIMIT ?` takes a number on every server version. Transactions run READ COMMITTED:
 * the store's transactions need row locks only, and REPEATABLE READ's gap locks would make
 * concurrent claims and inserts wait on each other.
 */
export class MySqlConnection implements SqlConnection {
  constructor(
    private readonly pool: MySqlPool,
    private readonly owned: boolean,
  ) {}

  /**
   * Runs one statement on its own (autocommit). InnoDB may pick it as the victim of a deadlock with
   * another session (two schedulers trimming their run histories at once can do it); the statement
   * was then rolled back whole, so it is run again, a few times, after a short random pause.
   */
  async run(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return toResult(await this.pool.query(sql, [...params]));
      } catch (error) {
        if (attempt > DEADLOCK_RETRIES || !isDeadlock(error)) throw error;
        await deadlockPause(attempt);
      }
    }
  }

  /** Runs `work` in a transaction; one rolled back to break a deadlock is run again, as in `run`. */
  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactionOnce(work);
      } catch (error) {
        if (attempt > DEADLOCK_RETRIES || !isDeadlock(error)) throw error;
        await deadlockPause(attempt);
      }
    }
  }

  private async transactionOnce<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const connection = await this.pool.getConnection();
    try {
      await connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await connection.query('START TRANSACTION');
    } catch (error) {
      connection.destroy();
      throw error;
    }
    const session: SqlSession = {
      run: async (sql, params = []) => toResult(await connection.query(sql, [...params])),
    };
    try {
      const result = await work(session);
      await connection.query('COMMIT');
      connection.release();
      return result;
    } catch (error) {
      // A connection that cannot even roll back is broken: drop it from the pool.
      await connection.query('ROLLBACK').then(
        () => connection.release(),
        () => connection.destroy(),
      );
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }
}

/** How many times a statement chosen as a deadlock victim is run again. */
const DEADLOCK_RETRIES = 5;

/** `ER_LOCK_DEADLOCK`: InnoDB rolled the statement (or transaction) back to break a deadlock. */
function isDeadlock(error: unknown): boolean {
  return (error as { errno?: unknown } | null)?.errno === 1213;
}

/** A short random pause before running a deadlock victim again, so the two sides do not meet again. */
function deadlockPause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
}

function toResult([rows]: [unknown, unknown]): SqlResult {
  if (Array.isArray(rows)) return { rows: rows as Record<string, unknown>[], changes: 0 };
  return { rows: [], changes: Number((rows as { affectedRows?: number }).affectedRows ?? 0) };
}
