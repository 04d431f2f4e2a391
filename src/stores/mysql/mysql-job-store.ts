import { JobStoreError } from '../../errors.js';
import { mysqlDialect } from '../sql/mysql-dialect.js';
import { SqlJobStore } from '../sql/sql-job-store.js';
import { checkServerOptions, describeServer, redact, splitServerUrl } from '../sql/sql-options.js';
import { tableNames } from '../sql/sql-tables.js';
import { MySqlConnection, type MySqlPool } from './mysql-connection.js';

export interface MySqlJobStoreOptions {
  /** A connection URL, `mysql://user:password@host:3306/database` (`mariadb://` works too). */
  url?: string;
  /** A mysql2/promise `Pool` to use instead of `url`; the store does not end it. */
  pool?: MySqlPool;
  /** Options for a mysql2 pool the store creates (host, port, user, database, ...), instead of `url`. */
  config?: Record<string, unknown>;
  /** Prefix of the table names, so several applications can share a database. Default `'horae_'`. */
  tablePrefix?: string;
  /** Milliseconds to wait for a new connection before failing, for a pool the store creates. Default 5000. */
  connectTimeout?: number;
}

type CreatePool = (config: Record<string, unknown>) => MySqlPool;

/**
 * A persistent job store in MySQL 8 or MariaDB 10.6+ (InnoDB), through mysql2 (an optional peer
 * dependency, loaded when the store starts). Several scheduler processes may share it: due jobs
 * are claimed in a transaction that locks them `FOR UPDATE SKIP LOCKED`, so each run happens once.
 *
 * @example
 * import { MySqlJobStore } from 'horae/stores/mysql';
 * const store = new MySqlJobStore({ url: 'mysql://app:secret@db:3306/app' });
 */
export class MySqlJobStore extends SqlJobStore {
  constructor(options: MySqlJobStoreOptions) {
    const parsed = checkServerOptions('MySQL', options);
    if (parsed !== null && parsed.pathname.length <= 1) {
      throw new JobStoreError(
        `MySQL URL ${JSON.stringify(redact(parsed.href))} names no database (.../database)`,
      );
    }
    const { url, pool, config, tablePrefix } = options;
    const connectTimeout = options.connectTimeout ?? 5000;
    super({
      dialect: mysqlDialect,
      tables: tableNames(mysqlDialect.quote, tablePrefix),
      describe: () => describeServer('MySQL', options, 3306),
      connect: async () => {
        if (pool !== undefined) return new MySqlConnection(pool, false);
        const createPool = await loadDriver();
        return new MySqlConnection(
          createPool({
            connectTimeout,
            charset: 'utf8mb4',
            ...(url === undefined ? config : { uri: url.replace(/^mariadb:/, 'mysql:') }),
          }),
          true,
        );
      },
    });
  }
}

async function loadDriver(): Promise<CreatePool> {
  try {
    const module = (await import('mysql2/promise')) as unknown as { default: { createPool: CreatePool } };
    return module.default.createPool;
  } catch (cause) {
    throw new JobStoreError('MySqlJobStore needs the mysql2 package: npm install mysql2', { cause });
  }
}

/**
 * Reads a `mysql://` or `mariadb://` URL: `tablePrefix` and `connectTimeout` in the query string are
 * the store's; everything else goes to mysql2.
 */
export function mysqlOptionsFromUrl(url: URL): MySqlJobStoreOptions {
  const { connection, options } = splitServerUrl('MySQL', url, ['tablePrefix', 'connectTimeout']);
  return {
    url: connection,
    tablePrefix: options.tablePrefix,
    connectTimeout: options.connectTimeout === undefined ? undefined : Number(options.connectTimeout),
  };
}
