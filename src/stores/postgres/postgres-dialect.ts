import { claimInOneStatement } from '../sql/sql-claim.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { upsertOnConflict } from '../sql/sql-statements.js';

const quote = (identifier: string) => `"${identifier}"`;

/**
 * PostgreSQL: BIGINT epoch ms, ids in the "C" collation (so ORDER BY id is code point order, as in
 * JavaScript, whatever the database's locale), and claims in one statement with
 * `FOR UPDATE SKIP LOCKED`. Schema setup holds a transaction-scoped advisory lock.
 */
export const postgresDialect: SqlDialect = {
  label: 'PostgreSQL',
  quote,
  createTables: (tables) => [
    ...(tables.schema === null ? [] : [`CREATE SCHEMA IF NOT EXISTS ${quote(tables.schema)}`]),
    `CREATE TABLE IF NOT EXISTS ${tables.jobs} (id TEXT COLLATE "C" NOT NULL PRIMARY KEY, job TEXT NOT NULL, ` +
      `next_run_time BIGINT, next_fire_time BIGINT, acquired_by TEXT, acquired_until BIGINT)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.jobs}_next_run_time" ON ${tables.jobs} (next_run_time, id)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.jobs}_acquired_until" ON ${tables.jobs} (acquired_until)`,
    `CREATE TABLE IF NOT EXISTS ${tables.runs} (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ` +
      `job_id TEXT COLLATE "C" NOT NULL, scheduled_run_time BIGINT NOT NULL, started_at BIGINT, record TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.runs}_job" ON ${tables.runs} (job_id, scheduled_run_time)`,
    `CREATE TABLE IF NOT EXISTS ${tables.version} (version INTEGER NOT NULL)`,
  ],
  createClusterTables: (tables) => [
    `CREATE TABLE IF NOT EXISTS ${tables.activeRuns} (id TEXT COLLATE "C" NOT NULL PRIMARY KEY, ` +
      `job_id TEXT COLLATE "C" NOT NULL, executor TEXT NOT NULL, node TEXT COLLATE "C", lease_until BIGINT, ` +
      `created_at BIGINT NOT NULL, run TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.activeRuns}_holder" ON ${tables.activeRuns} (node, created_at, id)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.activeRuns}_lease" ON ${tables.activeRuns} (lease_until, id)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.activeRuns}_job" ON ${tables.activeRuns} (job_id)`,
    `CREATE TABLE IF NOT EXISTS ${tables.nodes} (id TEXT COLLATE "C" NOT NULL PRIMARY KEY, ` +
      `expires_at BIGINT NOT NULL, node TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${tables.bare.nodes}_expires_at" ON ${tables.nodes} (expires_at)`,
  ],
  tableExists: (tables, table) => ({
    sql: 'SELECT 1 WHERE to_regclass(?) IS NOT NULL',
    params: [tables[table]],
  }),
  bigintParam: 'CAST(? AS BIGINT)',
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  // Parsing every document (job::json) is most of a search's cost, so the raw document is looked at
  // first (searchHint): an id or name holding the word holds it JSON-escaped in the document (Horae
  // writes non-ASCII characters as they are), and only the rows that do are parsed. lower() in the
  // "C" collation folds ASCII letters only, but fast. PostgreSQL 15 cannot test text for JSON
  // without failing (IS JSON came in 16): a document that is not JSON (hand-edited) and holds the
  // word fails the search.
  nameContains: {
    sql: `strpos(lower((job::json ->> 'name') COLLATE "C"), ?) > 0`,
    params: (word) => [word],
  },
  searchHint: {
    sql: `strpos(lower(job COLLATE "C"), ?) > 0`,
    params: (word) => [JSON.stringify(word).slice(1, -1)],
  },
  contains: (haystack) => `strpos(${haystack}, ?) > 0`,
  upsert: upsertOnConflict,
  returning: true,
  forUpdate: ' FOR UPDATE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  isDuplicateKey: (error) => (error as { code?: unknown } | null)?.code === '23505',
  withSchemaLock: (db, tables, work) =>
    db.transaction(async (session) => {
      // Concurrent CREATE TABLE IF NOT EXISTS can fail in PostgreSQL; starters take turns instead.
      await session.run('SELECT pg_advisory_xact_lock(hashtext(?))', [`horae:${tables.jobs}`]);
      return work(session);
    }),
  claimRows: (db, claim) => claimInOneStatement(db, claim, postgresDialect.skipLocked),
};
