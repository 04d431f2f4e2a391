import type { SqlConnection, SqlResult, SqlSession } from '../sql/sql-connection.js';
import {
  DEFAULT_STATEMENT_TIMEOUT_MS,
  NoReplyError,
  withTimeout,
  type SocketTracker,
} from '../sql/sql-network.js';

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
  /** pg's clients emit `error` when their connection drops while checked out. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of a pg `Pool` the store uses; pass your own pool typed by it. */
export interface PostgresPool {
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  connect(): Promise<PostgresPoolClient>;
  end(): Promise<void>;
}

const MAX_CACHED = 512;

/**
 * Adapts a pg pool: `?` placeholders become `$1, $2, ...`. Every statement runs on a client checked
 * out for it (as `pool.query` does), so that a statement without a reply within `timeoutMs` can
 * have its client discarded: behind a half-open connection the reply never comes, and the client
 * would otherwise go back to the pool and hang the next statement too.
 */
export class PostgresConnection implements SqlConnection {
  private readonly numbered = new Map<string, string>();

  constructor(
    private readonly pool: PostgresPool,
    private readonly owned: boolean,
    private readonly timeoutMs: number = DEFAULT_STATEMENT_TIMEOUT_MS,
    /** The sockets of a pool the store created, destroyed when closing it gets no reply. */
    private readonly sockets: SocketTracker | null = null,
  ) {}

  async run(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    const client = await this.checkout();
    try {
      const result = await this.query(client, sql, params);
      release(client);
      return result;
    } catch (error) {
      release(client, error instanceof NoReplyError ? error : undefined);
      throw error;
    }
  }

  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    try {
      await this.query(client, 'BEGIN');
    } catch (error) {
      release(client, error as Error);
      throw error;
    }
    const session: SqlSession = { run: (sql, params = []) => this.query(client, sql, params) };
    try {
      const result = await work(session);
      await this.query(client, 'COMMIT');
      release(client);
      return result;
    } catch (error) {
      // A silent connection would not answer a ROLLBACK either; discarding the client ends the
      // transaction on the server (once the server notices).
      if (error instanceof NoReplyError) {
        release(client, error);
        throw error;
      }
      // A client that cannot even roll back is broken: the pool discards it.
      await this.query(client, 'ROLLBACK').then(
        () => release(client),
        (rollbackError: Error) => release(client, rollbackError),
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

  private async checkout(): Promise<PostgresPoolClient> {
    // A client that arrives after the deadline goes straight back to the pool.
    const client = await withTimeout(
      this.pool.connect(),
      this.timeoutMs,
      'waiting for a connection',
      (late) => late.release(),
    );
    // Without a listener, a connection dropping while the client is out would crash the process;
    // the statement in progress fails with it anyway (as `pool.query` does it).
    client.on?.('error', ignore);
    return client;
  }

  private async query(client: PostgresPoolClient, sql: string, params: readonly unknown[] = []) {
    const result = await withTimeout(
      client.query(this.number(sql), [...params]),
      this.timeoutMs,
      'statementTimeout',
    );
    return toResult(result);
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

function ignore(): void {}

/** Gives a client back (discarded when `error` is given) and stops listening to it. */
function release(client: PostgresPoolClient, error?: Error): void {
  client.removeListener?.('error', ignore);
  client.release(error);
}

function toResult(result: PostgresQueryResult): SqlResult {
  return { rows: result.rows ?? [], changes: result.rowCount ?? 0 };
}
