import { resolve } from 'node:path';
import { JobStoreError } from '../../errors.js';
import { SqlJobStore } from '../sql/sql-job-store.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { tableNames } from '../sql/sql-tables.js';
import { SqliteConnection, type SqliteDatabase } from './sqlite-connection.js';

export interface SqliteJobStoreOptions {
  /**
   * The database file, created when missing (its directory must exist). A relative path resolves
   * from the working directory when the store is made. `':memory:'` gives a private in-memory
   * database that lives as long as the store is started.
   */
  path?: string;
  /** An open better-sqlite3 `Database` to use instead of `path`. The store leaves its settings alone and does not close it. */
  database?: SqliteDatabase;
  /** Prefix of the table names, so several applications can share a file. Default `'horae_'`. */
  tablePrefix?: string;
  /** Milliseconds to wait for another connection's write lock before failing. Default 5000. */
  busyTimeout?: number;
}

type DatabaseConstructor = new (
  path: string,
  options: { timeout: number },
) => SqliteDatabase & {
  pragma(source: string): unknown;
};

/**
 * A persistent job store in an SQLite file, through better-sqlite3 (an optional peer dependency,
 * loaded when the store starts). The file is opened in WAL mode with a busy timeout, so several
 * processes can share it: each claim of due jobs is one `BEGIN IMMEDIATE` transaction, and every
 * run happens once.
 *
 * @example
 * import { SqliteJobStore } from 'horae/stores/sqlite';
 * const scheduler = new Scheduler({ jobStores: { default: new SqliteJobStore({ path: 'jobs.sqlite' }) } });
 */
export class SqliteJobStore extends SqlJobStore {
  constructor(options: SqliteJobStoreOptions) {
    const { path, database } = checkOptions(options);
    const busyTimeout = options.busyTimeout ?? 5000;
    super({
      dialect: sqliteDialect,
      tables: tableNames(sqliteDialect.quote, options.tablePrefix),
      describe: () => (path === undefined ? 'SQLite database passed in' : `SQLite file ${path}`),
      connect: async () => {
        if (database !== undefined) return new SqliteConnection(database, false);
        const Database = await loadDriver();
        const db = new Database(path as string, { timeout: busyTimeout });
        try {
          db.pragma('journal_mode = WAL');
          // Durable against a crashed process; a power cut may lose the last commits, not corrupt the file.
          db.pragma('synchronous = NORMAL');
          db.pragma(`busy_timeout = ${busyTimeout}`);
        } catch (error) {
          db.close();
          throw error;
        }
        return new SqliteConnection(db, true);
      },
    });
  }
}

function checkOptions(options: SqliteJobStoreOptions): { path?: string; database?: SqliteDatabase } {
  if (options === null || typeof options !== 'object') {
    throw new JobStoreError('SqliteJobStore needs options: { path } or { database }');
  }
  const { path, database, busyTimeout } = options;
  if ((path === undefined) === (database === undefined)) {
    throw new JobStoreError('SqliteJobStore needs exactly one of `path` (a file name) or `database`');
  }
  if (path !== undefined && (typeof path !== 'string' || path === '')) {
    throw new JobStoreError(
      `Invalid SQLite path ${JSON.stringify(path)}: expected a file name or ":memory:"`,
    );
  }
  if (busyTimeout !== undefined && !(Number.isInteger(busyTimeout) && busyTimeout >= 0)) {
    throw new JobStoreError(`Invalid busyTimeout ${JSON.stringify(busyTimeout)}: expected milliseconds`);
  }
  if (database !== undefined) return { database };
  return { path: path === ':memory:' ? path : resolve(path as string) };
}

async function loadDriver(): Promise<DatabaseConstructor> {
  try {
    const module = (await import('better-sqlite3')) as { default: DatabaseConstructor };
    return module.default;
  } catch (cause) {
    throw new JobStoreError('SqliteJobStore needs the better-sqlite3 package: npm install better-sqlite3', {
      cause,
    });
  }
}

const URL_OPTIONS = ['tablePrefix', 'busyTimeout'];

/**
 * Reads a `sqlite:` URL. Everything between `sqlite://` and `?` is the file path, so
 * `sqlite:///var/lib/jobs.sqlite` is absolute and `sqlite://jobs.sqlite` is relative to the working
 * directory (unlike SQLAlchemy, where three slashes mean relative). `sqlite::memory:` is an
 * in-memory database. Query options: `tablePrefix`, `busyTimeout`.
 */
export function sqliteOptionsFromUrl(url: URL): SqliteJobStoreOptions {
  const raw = url.href.startsWith('sqlite://') ? url.host + url.pathname : url.pathname;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch (cause) {
    throw new JobStoreError(`Malformed SQLite URL ${JSON.stringify(url.href)}: bad percent-encoding`, {
      cause,
    });
  }
  if (path === '') {
    throw new JobStoreError(
      `SQLite URL ${JSON.stringify(url.href)} names no file: use sqlite:///absolute/path.sqlite or sqlite://relative.sqlite`,
    );
  }
  const options: SqliteJobStoreOptions = { path };
  for (const [key, value] of url.searchParams) {
    if (key === 'tablePrefix') options.tablePrefix = value;
    else if (key === 'busyTimeout') options.busyTimeout = Number(value);
    else {
      throw new JobStoreError(
        `Unknown option "${key}" in SQLite URL ${JSON.stringify(url.href)}; options are: ${URL_OPTIONS.join(', ')}`,
      );
    }
  }
  return options;
}
