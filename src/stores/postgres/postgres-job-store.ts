import { JobStoreError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { postgresDialect } from './postgres-dialect.js';
import { SqlJobStore } from '../sql/sql-job-store.js';
import { DEFAULT_STATEMENT_TIMEOUT_MS, KEEPALIVE_DELAY_MS, SocketTracker } from '../sql/sql-network.js';
import { checkServerOptions, describeServer, millisecondsParam, splitServerUrl } from '../sql/sql-options.js';
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
  /**
   * Milliseconds to wait for the reply to one statement (or for a free pooled connection) before
   * failing it and discarding its connection, so a connection gone silent is reported and retried
   * instead of hanging the scheduler. Applies to a pool passed in too. Default 10000.
   */
  statementTimeout?: number;
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
    const statementTimeout = options.statementTimeout ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    super({
      dialect: postgresDialect,
      tables: tableNames(postgresDialect.quote, tablePrefix, schema ?? null),
      describe: () => describeServer('PostgreSQL', options, 5432),
      connect: async (logger: Logger) => {
        if (pool !== undefined) return new PostgresConnection(pool, false, statementTimeout);
        const Pool = await loadDriver();
        const sockets = new SocketTracker();
        const created = new Pool({
          application_name: 'horae',
          connectionTimeoutMillis: connectTimeout,
          keepAlive: true,
          keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
          // A release stores its runs in a transaction of several statements. Should this side's
          // connection go silent in the middle (a half-open connection, which the store then drops),
          // the server would keep that transaction, and the row locks it holds on jobs, for as long
          // as the dead connection lasts: it ends it after this long idle instead.
          idle_in_transaction_session_timeout: statementTimeout,
          stream: () => sockets.create(),
          ...(url === undefined ? config : { connectionString: url }),
        });
        // An idle connection that drops (the server restarts) is reported here; without a listener
        // pg would crash the process. The next query opens a new connection.
        created.on('error', (error) =>
          logger.warn(`PostgreSQL job store lost an idle connection: ${error.message}`),
        );
        return new PostgresConnection(created, true, statementTimeout, sockets);
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
 * Reads a `postgres://` or `postgresql://` URL: `schema`, `tablePrefix`, `connectTimeout` and
 * `statementTimeout` in the query string are the store's; everything else goes to pg as the
 * connection string.
 */
export function postgresOptionsFromUrl(url: URL): PostgresJobStoreOptions {
  const { connection, options } = splitServerUrl('PostgreSQL', url, [
    'schema',
    'tablePrefix',
    'connectTimeout',
    'statementTimeout',
  ]);
  return {
    url: connection,
    schema: options.schema,
    tablePrefix: options.tablePrefix,
    connectTimeout: millisecondsParam('PostgreSQL', 'connectTimeout', options.connectTimeout),
    statementTimeout: millisecondsParam('PostgreSQL', 'statementTimeout', options.statementTimeout),
  };
}
