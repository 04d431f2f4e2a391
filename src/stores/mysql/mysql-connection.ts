import type { SqlConnection, SqlResult, SqlSession } from '../sql/sql-connection.js';
import {
  DEFAULT_STATEMENT_TIMEOUT_MS,
  NoReplyError,
  withTimeout,
  type SocketTracker,
} from '../sql/sql-network.js';

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
 *
 * Every statement runs on a connection checked out for it, so that one without a reply within
 * `timeoutMs` can have its connection destroyed: mysql2's own query timeout leaves the connection
 * in the pool, where, behind a half-open connection, it would hang every later statement too.
 */
export class MySqlConnection implements SqlConnection {
  constructor(
    private readonly pool: MySqlPool,
    private readonly owned: boolean,
    private readonly timeoutMs: number = DEFAULT_STATEMENT_TIMEOUT_MS,
    /** The sockets of a pool the store created, destroyed when closing it gets no reply. */
    private readonly sockets: SocketTracker | null = null,
  ) {}

  /**
   * Runs one statement on its own (autocommit). InnoDB may pick it as the victim of a deadlock with
   * another session (two schedulers trimming their run histories at once can do it); the statement
   * was then rolled back whole, so it is run again, a few times, after a short random pause.
   */
  async run(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(sql, params);
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

  private async runOnce(sql: string, params: readonly unknown[]): Promise<SqlResult> {
    const connection = await this.checkout();
    try {
      const result = await this.query(connection, sql, params);
      connection.release();
      return result;
    } catch (error) {
      if (error instanceof NoReplyError) connection.destroy();
      else connection.release();
      throw error;
    }
  }

  private async transactionOnce<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const connection = await this.checkout();
    try {
      await this.query(connection, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await this.query(connection, 'START TRANSACTION');
    } catch (error) {
      connection.destroy();
      throw error;
    }
    const session: SqlSession = { run: (sql, params = []) => this.query(connection, sql, params) };
    try {
      const result = await work(session);
      await this.query(connection, 'COMMIT');
      connection.release();
      return result;
    } catch (error) {
      // A silent connection would not answer a ROLLBACK either; the server rolls back the
      // transaction of a connection that is gone.
      if (error instanceof NoReplyError) {
        connection.destroy();
        throw error;
      }
      // A connection that cannot even roll back is broken: drop it from the pool.
      await this.query(connection, 'ROLLBACK').then(
        () => connection.release(),
        () => connection.destroy(),
      );
      throw error;
    }
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    // Ending the pool waits for each connection's goodbye, which a half-open one never sends.
    await withTimeout(this.pool.end(), this.timeoutMs, 'closing the pool').catch(() =>
      this.sockets?.destroyAll(),
    );
  }

  private checkout(): Promise<MySqlPoolConnection> {
    // A connection that arrives after the deadline goes straight back to the pool.
    return withTimeout(this.pool.getConnection(), this.timeoutMs, 'waiting for a connection', (late) =>
      late.release(),
    );
  }

  private async query(connection: MySqlQueryable, sql: string, params: readonly unknown[] = []) {
    return toResult(
      await withTimeout(connection.query(sql, [...params]), this.timeoutMs, 'statementTimeout'),
    );
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
