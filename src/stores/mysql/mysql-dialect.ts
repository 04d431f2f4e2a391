import { JobStoreError } from '../../errors.js';
import { claimInTransaction, placeholders } from '../sql/sql-claim.js';
import type { SqlDialect } from '../sql/sql-dialect.js';

/** Ids are compared byte for byte (utf8mb4_bin), as in the other stores, and may be 255 characters long. */
const ID = 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
/** A named lock per database and table prefix, for schema setup (GET_LOCK names stop at 64 characters). */
const LOCK_NAME = "LEFT(CONCAT('horae:', DATABASE(), ':', ?), 64)";

/**
 * MySQL 8 and MariaDB 10.6+ (InnoDB): BIGINT epoch ms; claims (of due jobs, of waiting runs) in a
 * READ COMMITTED transaction that selects the rows `FOR UPDATE SKIP LOCKED` and then marks them
 * (neither has UPDATE ... RETURNING; for the same reason a release learns which jobs it still holds
 * from a `SELECT ... FOR UPDATE` in its transaction). Indexes are declared inside CREATE TABLE,
 * since MySQL has no CREATE INDEX IF NOT EXISTS.
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
  createClusterTables: (tables) => [
    `CREATE TABLE IF NOT EXISTS ${tables.activeRuns} (id ${ID} NOT NULL, job_id ${ID} NOT NULL, ` +
      `executor ${ID} NOT NULL, node ${ID} NULL, lease_until BIGINT NULL, created_at BIGINT NOT NULL, ` +
      `run LONGTEXT NOT NULL, PRIMARY KEY (id), ` +
      `INDEX \`${tables.bare.activeRuns}_holder\` (node, created_at, id), ` +
      `INDEX \`${tables.bare.activeRuns}_lease\` (lease_until, id), ` +
      `INDEX \`${tables.bare.activeRuns}_job\` (job_id)) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${tables.nodes} (id ${ID} NOT NULL, expires_at BIGINT NOT NULL, ` +
      `node LONGTEXT NOT NULL, PRIMARY KEY (id), INDEX \`${tables.bare.nodes}_expires_at\` (expires_at)) ${TABLE_OPTIONS}`,
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
  // VALUES(column) is deprecated in MySQL 8.0.20 but still works there, and MariaDB knows no other way.
  upsert: (table, columns, key) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders(columns.length)}) ` +
    `ON DUPLICATE KEY UPDATE ${columns
      .filter((column) => column !== key)
      .map((column) => `${column} = VALUES(${column})`)
      .join(', ')}`,
  returning: false,
  forUpdate: ' FOR UPDATE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
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
  claimRows: (db, claim) => claimInTransaction(db, claim, mysqlDialect.skipLocked),
};
