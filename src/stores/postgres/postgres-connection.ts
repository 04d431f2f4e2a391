import type { SqlConnection, SqlResult, SqlSession } from '../sql/sql-connection.js';

/** What a pg query resolves to, as far as the store reads it. */
export interface PostgresQueryResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

/** The part of a pg `PoolClient` the store uses. */
export interface PostgresPoolClient {
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  /** Returns the client to the pool; with an error, the pool discards it. */
  release(error?: Error | boolean): void;
}

/** The part of a pg `Pool` the store uses; pass your own pool typed by it. */
export interface PostgresPool {
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  connect(): Promise<PostgresPoolClient>;
  end(): Promise<void>;
}

const MAX_CACHED = 512;

/** Adapts a pg pool: `?` placeholders become `$1, $2, ...`; a transaction holds one pooled client. */
export class PostgresConnection implements SqlConnection {
  private readonly numbered = new Map<string, string>();

  constructor(
    private readonly pool: PostgresPool,
    private readonly owned: boolean,
  ) {}

  async run(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    return toResult(await this.pool.query(this.number(sql), [...params]));
  }

  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    const session: SqlSession = {
      run: async (sql, params = []) => toResult(await client.query(this.number(sql), [...params])),
    };
    try {
      const result = await work(session);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A client that cannot even roll back is broken: the pool discards it.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }

  private number(sql: string): string {
    let text = this.numbered.get(sql);
    if (text === undefined) {
      let index = 0;
      // The store's SQL never holds a literal `?`, so every one is a placeholder.
      text = sql.replace(/\?/g, () => `$${++index}`);
      if (this.numbered.size >= MAX_CACHED) this.numbered.clear();
      this.numbered.set(sql, text);
    }
    return text;
  }
}

function toResult(result: PostgresQueryResult): SqlResult {
  return { rows: result.rows ?? [], changes: result.rowCount ?? 0 };
}
