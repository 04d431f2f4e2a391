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

  async run(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    return toResult(await this.pool.query(sql, [...params]));
  }

  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
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

function toResult([rows]: [unknown, unknown]): SqlResult {
  if (Array.isArray(rows)) return { rows: rows as Record<string, unknown>[], changes: 0 };
  return { rows: [], changes: Number((rows as { affectedRows?: number }).affectedRows ?? 0) };
}
