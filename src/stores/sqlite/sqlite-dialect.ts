import { claimInOneStatement } from '../sql/sql-claim.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { upsertOnConflict } from '../sql/sql-statements.js';

/**
 * SQLite: INTEGER for epoch ms, BINARY (code point) order for ids.
 *
 * A claim is one `UPDATE ... RETURNING` statement. In autocommit mode a write statement begins an
 * immediate transaction: it takes the database's single write lock when it starts (waiting up to
 * busy_timeout, like `BEGIN IMMEDIATE`), so claimers in other connections and processes take turns
 * and never get the same job. Being one synchronous better-sqlite3 call, it never holds the lock
 * across an `await`, where another connection of this process blocking the thread on that lock
 * would deadlock it. Schema setup, and the cluster calls that need several statements (a release
 * with runs, a heartbeat), run in `BEGIN IMMEDIATE`, which serializes them as row locks would.
 */
export const sqliteDialect: SqlDialect = {
  label: 'SQLite',
  quote: (identifier) => `"${identifier}"`,
  createTables: (tables) => [
    `CREATE TABLE IF NOT EXISTS ${tables.jobs} (id TEXT NOT NULL PRIMARY KEY, job TEXT NOT NULL, ` +
      `next_run_time INTEGER, next_fire_time INTEGER, acquired_by TEXT, acquired_until INTEGER)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.jobs}_next_run_time" ON ${tables.jobs} (next_run_time, id)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.jobs}_acquired_until" ON ${tables.jobs} (acquired_until)`,
    `CREATE TABLE IF NOT EXISTS ${tables.runs} (id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, ` +
      `scheduled_run_time INTEGER NOT NULL, started_at INTEGER, record TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.runs}_job" ON ${tables.runs} (job_id, scheduled_run_time)`,
    `CREATE TABLE IF NOT EXISTS ${tables.version} (version INTEGER NOT NULL)`,
  ],
  createClusterTables: (tables) => [
    `CREATE TABLE IF NOT EXISTS ${tables.activeRuns} (id TEXT NOT NULL PRIMARY KEY, job_id TEXT NOT NULL, ` +
      `executor TEXT NOT NULL, node TEXT, lease_until INTEGER, created_at INTEGER NOT NULL, run TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.activeRuns}_holder" ON ${tables.activeRuns} (node, created_at, id)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.activeRuns}_lease" ON ${tables.activeRuns} (lease_until, id)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.activeRuns}_job" ON ${tables.activeRuns} (job_id)`,
    `CREATE TABLE IF NOT EXISTS ${tables.nodes} (id TEXT NOT NULL PRIMARY KEY, expires_at INTEGER NOT NULL, ` +
      `node TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.nodes}_expires_at" ON ${tables.nodes} (expires_at)`,
  ],
  tableExists: (tables, table) => ({
    sql: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`,
    params: [tables.bare[table]],
  }),
  bigintParam: '?',
  greatest: (a, b) => `max(${a}, ${b})`,
  // lower() folds ASCII letters only, as SQLite does without ICU.
  nameContains: {
    sql: `instr(lower(CASE WHEN json_valid(job) THEN json_extract(job, '$.name') END), ?) > 0`,
    params: (word) => [word],
  },
  contains: (haystack) => `instr(${haystack}, ?) > 0`,
  upsert: upsertOnConflict,
  returning: true,
  forUpdate: '',
  skipLocked: '',
  isDuplicateKey: (error) => {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
  // BEGIN IMMEDIATE serializes schema setup between processes too.
  withSchemaLock: (db, _tables, work) => db.transaction(work),
  claimRows: (db, claim) => claimInOneStatement(db, claim, sqliteDialect.skipLocked),
};
