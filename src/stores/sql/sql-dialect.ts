import type { RowClaim } from './sql-claim.js';
import type { SqlConnection, SqlSession } from './sql-connection.js';
import type { TableNames } from './sql-tables.js';

/** A stored job as the queries return it; drivers differ in how they type each column. */
export interface JobRow {
  id: unknown;
  job: unknown;
  next_run_time: unknown;
  next_fire_time: unknown;
}

/** One call of `acquireDueJobs`, in epoch milliseconds. */
export interface ClaimRequest {
  schedulerId: string;
  now: number;
  /** `now + leaseMs`: the end of the lease. */
  until: number;
  limit: number;
}

/**
 * Everything that differs between the SQL databases, in the spirit of Kysely's dialects: the
 * shared store (`sql-job-store.ts`) writes portable SQL and asks the dialect for the rest. Each
 * database's folder implements it in one file: `sqlite/sqlite-dialect.ts`,
 * `postgres/postgres-dialect.ts`, `mysql/mysql-dialect.ts`.
 */
export interface SqlDialect {
  /** The database's name in messages: `'SQLite'`, `'PostgreSQL'`, `'MySQL'`. */
  readonly label: string;
  /** Quotes an identifier (already checked to be letters, digits and underscores). */
  quote(identifier: string): string;
  /** The statements that create the tables and indexes of the current schema version, in order. */
  createTables(tables: TableNames): string[];
  /**
   * The statements that create the cluster tables (`activeRuns`, `nodes`) and their indexes, when
   * missing: added beside tables of schema version 1 made before them (see `prepareSchema`).
   */
  createClusterTables(tables: TableNames): string[];
  /** A query returning one row when the table (a key of `TableNames['bare']`) exists, none otherwise. */
  tableExists(tables: TableNames, table: keyof TableNames['bare']): { sql: string; params: unknown[] };
  /**
   * A `?` placeholder for a BIGINT value where nothing else tells the database its type
   * (`CASE id WHEN ? THEN ? END`): PostgreSQL needs a cast, MySQL casts to SIGNED.
   */
  readonly bigintParam: string;
  /** SQL for the larger of two BIGINT expressions. */
  greatest(a: string, b: string): string;
  /**
   * A search condition: true when the job's name, read from its JSON document (`job` column),
   * holds `word` (already lowercased), ignoring case; `params(word)` gives its parameters. A
   * document that is not JSON matches nothing where the database can tell without failing.
   */
  readonly nameContains: { sql: string; params: (word: string) => unknown[] };
  /**
   * Optional: a cheap search condition that every job whose id or name holds `word` meets, and most
   * others do not, checked before the exact ones (for a database where reading the name is slow).
   */
  readonly searchHint?: { sql: string; params: (word: string) => unknown[] };
  /** SQL that is true when the text of one `?` parameter occurs in the text expression `haystack`. */
  contains(haystack: string): string;
  /**
   * An INSERT of one row (`?` per column) that replaces the non-key columns of the row with the
   * same `key` when there is one.
   */
  upsert(table: string, columns: readonly string[], key: string): string;
  /**
   * True when UPDATE and DELETE take `RETURNING` (SQLite 3.35, PostgreSQL), so a statement reports
   * which rows it changed; without it (MySQL) the store learns that from a locking SELECT first.
   */
  readonly returning: boolean;
  /**
   * Appended to a SELECT in a transaction to lock the rows it reads until the commit: `FOR UPDATE`,
   * or nothing on SQLite, whose transactions (`BEGIN IMMEDIATE`) hold the database's write lock.
   */
  readonly forUpdate: string;
  /**
   * Like `forUpdate`, but rows another transaction has locked are passed over instead of waited
   * for (`FOR UPDATE SKIP LOCKED`), so concurrent takers split the rows between them.
   */
  readonly skipLocked: string;
  /** True when `error` is the driver's unique-key violation. */
  isDuplicateKey(error: unknown): boolean;
  /**
   * Runs the schema check and creation on one connection while holding a lock that other
   * processes starting on the same tables wait for, so two of them never create tables at once.
   */
  withSchemaLock<T>(
    db: SqlConnection,
    tables: TableNames,
    work: (session: SqlSession) => Promise<T>,
  ): Promise<T>;
  /**
   * Atomically marks the rows `claim` selects (up to its limit) and returns them, in any order: due
   * jobs leased to a scheduler, waiting runs taken by a node. Two concurrent calls, from any
   * process, never return the same row. The strategies are in `sql-claim.ts`: one statement
   * (SQLite, PostgreSQL; rows as marked) or a locking transaction (MySQL; rows as they were).
   */
  claimRows(db: SqlConnection, claim: RowClaim): Promise<Record<string, unknown>[]>;
}
