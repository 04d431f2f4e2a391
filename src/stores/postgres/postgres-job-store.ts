import { JobStoreError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { postgresDialect } from '../sql/postgres-dialect.js';
import { SqlJobStore } from '../sql/sql-job-store.js';
import { checkServerOptions, describeServer, splitServerUrl } from '../sql/sql-options.js';
import { tableNames } from '../sql/sql-tables.js';
import { PostgresConnection, type PostgresPool } from './postgres-connection.js';

export interface PostgresJobStoreOptions {
  /** A connection URL, `postgres://user:password@host:5432/database` (pg's connection-string options work). */
  url?: string;
  /** A pg `Pool` to use instead of `url`; the store does not end it. */
  pool?: PostgresPool;
  /** Options for a pg `Pool` the store creates (host, port, user, ssl, max, ...), instead of `url`. */
  config?: Record<string, unknown>;
  /** Schema of the tables, created when missing. Default: the connection's `search_path`. */
  schema?: string;
  /** Prefix of the table names, so several applications can share a database. Default `'horae_'`. */
  tablePrefix?: string;
  /** Milliseconds to wait for a new connection before failing, for a pool the store creates. Default 5000. */
  connectTimeout?: number;
}

type PoolConstructor = new (config: Record<string, unknown>) => PostgresPool & {
  on(event: 'error', listener: (error: Error) => void): unknown;
};

/**
 * A persistent job store in PostgreSQL, through pg (an optional peer dependency, loaded when the
 * store starts). Several scheduler processes may share it: due jobs are claimed with one
 * `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING` statement, so each run
 * happens once.
 *
 * @example
 * import { PostgresJobStore } from 'horae/stores/postgres';
 * const store = new PostgresJobStore({ url: 'postgres://app@db:5432/app', schema: 'scheduler' });
 */
export class PostgresJobStore extends SqlJobStore {
  constructor(options: PostgresJobStoreOptions) {
    checkServerOptions('PostgreSQL', options);
    const { url, pool, config, schema, tablePrefix } = options;
    const connectTimeout = options.connectTimeout ?? 5000;
    super({
      dialect: postgresDialect,
      tables: tableNames(postgresDialect.quote, tablePrefix, schema ?? null),
      describe: () => describeServer('PostgreSQL', options, 5432),
      connect: async (logger: Logger) => {
        if (pool !== undefined) return new PostgresConnection(pool, false);
        const Pool = await loadDriver();
        const created = new Pool({
          application_name: 'horae',
          connectionTimeoutMillis: connectTimeout,
          ...(url === undefined ? config : { connectionString: url }),
        });
        // An idle connection that drops (the server restarts) is reported here; without a listener
        // pg would crash the process. The next query opens a new connection.
        created.on('error', (error) =>
          logger.warn(`PostgreSQL job store lost an idle connection: ${error.message}`),
        );
        return new PostgresConnection(created, true);
      },
    });
  }
}

async function loadDriver(): Promise<PoolConstructor> {
  try {
    const module = (await import('pg')) as unknown as { default: { Pool: PoolConstructor } };
    return module.default.Pool;
  } catch (cause) {
    throw new JobStoreError('PostgresJobStore needs the pg package: npm install pg', { cause });
  }
}

/**
 * Reads a `postgres://` or `postgresql://` URL: `schema`, `tablePrefix` and `connectTimeout` in the
 * query string are the store's; everything else goes to pg as the connection string.
 */
export function postgresOptionsFromUrl(url: URL): PostgresJobStoreOptions {
  const { connection, options } = splitServerUrl('PostgreSQL', url, [
    'schema',
    'tablePrefix',
    'connectTimeout',
  ]);
  return {
    url: connection,
    schema: options.schema,
    tablePrefix: options.tablePrefix,
    connectTimeout: options.connectTimeout === undefined ? undefined : Number(options.connectTimeout),
  };
}
