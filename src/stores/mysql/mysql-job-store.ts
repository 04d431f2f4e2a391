import { JobStoreError } from '../../errors.js';
import { mysqlDialect } from './mysql-dialect.js';
import { SqlJobStore } from '../sql/sql-job-store.js';
import { DEFAULT_STATEMENT_TIMEOUT_MS, SocketTracker } from '../sql/sql-network.js';
import { checkServerOptions, describeServer, millisecondsParam, splitServerUrl } from '../sql/sql-options.js';
import { tableNames } from '../sql/sql-tables.js';
import { redactUrl } from '../redact-url.js';
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
  /**
   * Milliseconds to wait for the reply to one statement (or for a free pooled connection) before
   * failing it and destroying its connection, so a connection gone silent is reported and retried
   * instead of hanging the scheduler. Applies to a pool passed in too. Default 10000.
   */
  statementTimeout?: number;
}

/** What mysql2 hands a `stream` factory: the connection's options. */
interface StreamOptions {
  config: { host?: string; port?: number; socketPath?: string };
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
        `MySQL URL ${JSON.stringify(redactUrl(parsed.href))} names no database (.../database)`,
      );
    }
    const { url, pool, config, tablePrefix } = options;
    const connectTimeout = options.connectTimeout ?? 5000;
    const statementTimeout = options.statementTimeout ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    super({
      dialect: mysqlDialect,
      tables: tableNames(mysqlDialect.quote, tablePrefix),
      describe: () => describeServer('MySQL', options, 3306),
      connect: async () => {
        if (pool !== undefined) return new MySqlConnection(pool, false, statementTimeout);
        const createPool = await loadDriver();
        const sockets = new SocketTracker();
        const created = createPool({
          connectTimeout,
          charset: 'utf8mb4',
          // Sockets opened here, so a close with no reply can destroy them (keepalive included).
          stream: ({ config: { socketPath, host = 'localhost', port = 3306 } }: StreamOptions) =>
            sockets.connect(socketPath === undefined ? { host, port } : { path: socketPath }),
          ...(url === undefined ? config : { uri: url.replace(/^mariadb:/, 'mysql:') }),
        });
        // A release stores its runs in a transaction of several statements. Should a connection go
        // silent in the middle (a half-open connection, which the store then drops), the server
        // would keep that transaction and its locks for as long as the dead connection lasts:
        // MariaDB ends it after this long idle (MySQL has no such setting and refuses it, which is
        // ignored). Sent as each connection opens, before any statement of the store.
        const idleSeconds = Math.max(1, Math.ceil(statementTimeout / 1000));
        (created as unknown as PoolEvents).pool?.on?.('connection', (connection) => {
          connection.query(`SET SESSION idle_transaction_timeout = ${idleSeconds}`, () => undefined);
        });
        return new MySqlConnection(created, true, statementTimeout, sockets);
      },
    });
  }
}

/** The callback pool under a mysql2/promise pool, which announces each new connection. */
interface PoolEvents {
  pool?: {
    on?(
      event: 'connection',
      listener: (connection: { query(sql: string, done: () => void): void }) => void,
    ): void;
  };
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
 * Reads a `mysql://` or `mariadb://` URL: `tablePrefix`, `connectTimeout` and `statementTimeout` in
 * the query string are the store's; everything else goes to mysql2.
 */
export function mysqlOptionsFromUrl(url: URL): MySqlJobStoreOptions {
  const { connection, options } = splitServerUrl('MySQL', url, [
    'tablePrefix',
    'connectTimeout',
    'statementTimeout',
  ]);
  return {
    url: connection,
    tablePrefix: options.tablePrefix,
    connectTimeout: millisecondsParam('MySQL', 'connectTimeout', options.connectTimeout),
    statementTimeout: millisecondsParam('MySQL', 'statementTimeout', options.statementTimeout),
  };
}
