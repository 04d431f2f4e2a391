import { resolve } from 'node:path';
import type { SqlConnection, SqlResult, SqlSession } from '../sql/sql-connection.js';

/** The part of a better-sqlite3 `Database` the store uses; pass your own instance typed by it. */
export interface SqliteDatabase {
  /** The file name (`':memory:'` for an in-memory database). */
  readonly name: string;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  close(): unknown;
  readonly inTransaction: boolean;
}

/** The part of a better-sqlite3 `Statement` the store uses. */
export interface SqliteStatement {
  readonly reader: boolean;
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
}

/** Prepared statements kept per connection; IN-lists of many lengths make the set open-ended. */
const MAX_CACHED_STATEMENTS = 256;

/** Transactions in progress in this process, per database file; see `SqliteConnection`. */
interface FileLock {
  busy: Promise<void> | null;
  users: number;
}
const fileLocks = new Map<string, FileLock>();

/**
 * Adapts better-sqlite3 (synchronous) to the store's async `SqlConnection`.
 *
 * better-sqlite3 waits for a locked database by blocking the thread (busy_timeout). That is right
 * between processes, but within one process it would deadlock: a transaction that holds the write
 * lock while its `work` awaits could never resume while another connection's statement blocks the
 * event loop waiting for that lock. So every connection to the same file in this process shares one
 * async lock: while a transaction runs, the other calls (on any of those connections) wait for it
 * without blocking, and statements of other calls never slip into the transaction.
 */
export class SqliteConnection implements SqlConnection {
  private readonly cache = new Map<string, SqliteStatement>();
  private readonly lock: FileLock;
  private readonly key: string;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly owned: boolean,
  ) {
    // An in-memory database is private to its connection.
    this.key = db.name === ':memory:' || db.name === '' ? `memory:${Math.random()}` : resolve(db.name);
    this.lock = fileLocks.get(this.key) ?? { busy: null, users: 0 };
    this.lock.users++;
    fileLocks.set(this.key, this.lock);
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    while (this.lock.busy !== null) await this.lock.busy;
    return this.execute(sql, params);
  }

  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    while (this.lock.busy !== null) await this.lock.busy;
    let done!: () => void;
    this.lock.busy = new Promise<void>((resolve) => (done = resolve));
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work({ run: async (sql, params = []) => this.execute(sql, params) });
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.lock.busy = null;
      done();
    }
  }

  async close(): Promise<void> {
    this.cache.clear();
    if (--this.lock.users === 0) fileLocks.delete(this.key);
    if (this.owned) this.db.close();
  }

  private execute(sql: string, params: readonly unknown[]): SqlResult {
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.cache.size >= MAX_CACHED_STATEMENTS) this.cache.clear();
      this.cache.set(sql, statement);
    }
    if (statement.reader) return { rows: statement.all(...params) as Record<string, unknown>[], changes: 0 };
    return { rows: [], changes: statement.run(...params).changes };
  }
}
