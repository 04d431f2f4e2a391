import { JobStoreError } from '../../errors.js';
import { claimInTransaction } from '../sql/sql-claim.js';
import type { SqlDialect } from '../sql/sql-dialect.js';

/** Ids are compared byte for byte (utf8mb4_bin), as in the other stores, and may be 255 characters long. */
const ID = 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
/** A named lock per database and table prefix, for schema setup (GET_LOCK names stop at 64 characters). */
const LOCK_NAME = "LEFT(CONCAT('horae:', DATABASE(), ':', ?), 64)";

/**
 * MySQL 8 and MariaDB 10.6+ (InnoDB): BIGINT epoch ms; claims in a READ COMMITTED transaction that
 * selects the due rows `FOR UPDATE SKIP LOCKED` and then marks them leased (neither has UPDATE ...
 * RETURNING). Indexes are declared inside CREATE TABLE, since MySQL has no CREATE INDEX IF NOT EXISTS.
 */
export const mysqlDialect: SqlDialect = {
  label: 'MySQL',
  quote: (identifier) => `\`${identifier}\``,
  createTables: (tables) => [
    `CREATE TABLE IF NOT EXISTS ${tables.jobs} (id ${ID} NOT NULL, job LONGTEXT NOT NULL, ` +
      `next_run_time BIGINT NULL, next_fire_time BIGINT NULL, acquired_by ${ID} NULL, acquired_until BIGINT NULL, ` +
      `PRIMARY KEY (id), INDEX \`${tables.bare.jobs}_next_run_time\` (next_run_time, id), ` +
      `INDEX \`${tables.bare.jobs}_acquired_until\` (acquired_until)) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${tables.runs} (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, ` +
      `job_id ${ID} NOT NULL, scheduled_run_time BIGINT NOT NULL, started_at BIGINT NULL, record LONGTEXT NOT NULL, ` +
      `INDEX \`${tables.bare.runs}_job\` (job_id, scheduled_run_time)) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${tables.version} (version INT NOT NULL) ${TABLE_OPTIONS}`,
  ],
  tableExists: (tables, table) => ({
    sql: 'SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
    params: [tables.bare[table]],
  }),
  bigintParam: 'CAST(? AS SIGNED)',
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  nameContains: {
    sql: `INSTR(LOWER(CASE WHEN JSON_VALID(job) THEN JSON_UNQUOTE(JSON_EXTRACT(job, '$.name')) END), ?) > 0`,
    params: (word) => [word],
  },
  contains: (haystack) => `INSTR(${haystack}, ?) > 0`,
  isDuplicateKey: (error) => (error as { errno?: unknown } | null)?.errno === 1062,
  withSchemaLock: (db, tables, work) =>
    db.transaction(async (session) => {
      const { rows } = await session.run(`SELECT GET_LOCK(${LOCK_NAME}, 30) AS locked`, [tables.prefix]);
      if (Number(rows[0]?.locked) !== 1)
        throw new JobStoreError('MySQL job store: timed out waiting 30 s for the schema lock');
      try {
        return await work(session);
      } finally {
        await session.run(`SELECT RELEASE_LOCK(${LOCK_NAME})`, [tables.prefix]);
      }
    }),
  claimDueJobs: (db, tables, request) => claimInTransaction(db, tables, request, ' FOR UPDATE SKIP LOCKED'),
};
