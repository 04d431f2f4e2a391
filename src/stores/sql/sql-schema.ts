import { JobStoreError } from '../../errors.js';
import type { SqlConnection, SqlSession } from './sql-connection.js';
import type { SqlDialect } from './sql-dialect.js';
import type { TableNames } from './sql-tables.js';

/**
 * The layout of the tables this Horae writes (see docs/stores.md). Bump it with every change to a
 * table, and teach `prepareSchema` to migrate from the previous version or to refuse it.
 *
 * Adding a table that an older Horae never reads is not such a change: the cluster tables
 * (`active_runs`, `nodes`) came after version 1 and are created at start where missing, so
 * processes of both ages can share the tables while they are upgraded one by one (a version bump
 * would make the older ones refuse them).
 */
export const SQL_SCHEMA_VERSION = 1;

/**
 * Creates the tables on first use and checks the schema version of tables that exist, under the
 * dialect's schema lock. Tables of another version, or tables with our names that Horae did not
 * make, are refused with a `JobStoreError` that says what was found; nothing is changed in them.
 */
export async function prepareSchema(
  db: SqlConnection,
  dialect: SqlDialect,
  tables: TableNames,
): Promise<void> {
  await dialect.withSchemaLock(db, tables, async (session) => {
    const exists = async (table: keyof TableNames['bare']) => {
      const query = dialect.tableExists(tables, table);
      return (await session.run(query.sql, query.params)).rows.length > 0;
    };
    if (!(await exists('version'))) {
      if ((await exists('jobs')) || (await exists('runs'))) throw unversioned(dialect, tables);
      await createTables(session, dialect, tables);
      return;
    }
    const { rows } = await session.run(`SELECT version FROM ${tables.version}`);
    if (rows.length === 0) {
      // Created by a process that stopped before recording the version (MySQL DDL cannot be rolled back).
      await createTables(session, dialect, tables);
      return;
    }
    const versions = rows.map((row) => Number(row.version));
    const found = versions[0] as number;
    if (versions.length !== 1 || found !== SQL_SCHEMA_VERSION) throw wrongVersion(dialect, tables, versions);
    // Tables of version 1 made before the cluster tables existed get them now.
    if (!(await exists('activeRuns')) || !(await exists('nodes'))) {
      await runAll(session, dialect.createClusterTables(tables));
    }
  });
}

async function createTables(session: SqlSession, dialect: SqlDialect, tables: TableNames): Promise<void> {
  await runAll(session, [...dialect.createTables(tables), ...dialect.createClusterTables(tables)]);
  await session.run(`INSERT INTO ${tables.version} (version) VALUES (?)`, [SQL_SCHEMA_VERSION]);
}

async function runAll(session: SqlSession, statements: string[]): Promise<void> {
  for (const statement of statements) await session.run(statement);
}

function unversioned(dialect: SqlDialect, tables: TableNames): JobStoreError {
  return new JobStoreError(
    `${dialect.label} job store: table ${tables.bare.jobs} or ${tables.bare.runs} exists but ${tables.bare.version} ` +
      `does not, so Horae did not make it and will not use it. Give the store another tablePrefix ` +
      `(now ${JSON.stringify(tables.prefix)}), or drop those tables.`,
  );
}

function wrongVersion(dialect: SqlDialect, tables: TableNames, versions: number[]): JobStoreError {
  const found = versions.join(', ');
  const detail =
    versions.length !== 1
      ? `holds ${versions.length} rows (${found}) instead of one`
      : (versions[0] as number) > SQL_SCHEMA_VERSION
        ? `says schema version ${found}, made by a newer Horae; upgrade Horae to use these tables`
        : `says schema version ${found}, older than this Horae's, and there is no migration from it; ` +
          `move the jobs to new tables (another tablePrefix) or drop the old ones`;
  return new JobStoreError(
    `${dialect.label} job store: ${tables.bare.version} ${detail}. This Horae reads schema version ` +
      `${SQL_SCHEMA_VERSION}. Nothing was changed.`,
  );
}
