import type * as Zk from 'node-zookeeper-client';
import { JobStoreError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { NoReplyError, withTimeout } from '../no-reply.js';

/** ZooKeeper's error codes this store acts on (the driver's `Exception` codes). */
export const ZK = {
  NO_NODE: -101,
  BAD_VERSION: -103,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
} as const;

/** One operation of a multi-op transaction. */
export type ZkOp =
  | { op: 'create'; path: string; data?: string; sequential?: boolean }
  | { op: 'set'; path: string; data: string; version: number }
  | { op: 'remove'; path: string; version?: number }
  | { op: 'check'; path: string; version: number };

/** A ZooKeeper failure with its code, and for a transaction the index of the operation that failed. */
export class ZkError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly opIndex = -1,
  ) {
    super(message);
    this.name = 'ZkError';
  }
}

/** A znode's data (UTF-8) and version. */
export interface Stored {
  data: string;
  version: number;
}

/**
 * Operations that one module adds to another's transaction (the runs a release stores): it builds
 * them, reading what it needs, and learns how the commit went.
 */
export interface TransactionPart {
  /** The operations to add; called again, to read afresh, after `retry` said so. */
  build(zk: ZooKeeperConnection): Promise<ZkOp[]>;
  /**
   * The commit failed on the part's operation at `index` (of its own): true when the part lost a
   * race it may win on a fresh read, so the whole transaction is built again and retried.
   */
  retry(error: ZkError, index: number): boolean;
  /** The transaction was committed. */
  done(): void;
}

/** A lost race: the write is tried again from a fresh read. */
export class Conflict extends Error {}

/** How long a closing session may wait for the server's goodbye before its socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** Folders known to exist, at most (then the set starts over). */
const KNOWN_FOLDERS = 10_000;

/**
 * Folders (due-time buckets, run histories) a store made, so filing a job or a run record costs no
 * create of its folder. A folder removed since makes the commit that needs it fail with NO_NODE.
 */
export class KnownFolders {
  private readonly paths = new Set<string>();
  /** Creations under way, so that concurrent calls for one folder send one request. */
  private readonly making = new Map<string, Promise<void>>();

  /** Creates `path` unless it is known to exist. */
  async ensure(zk: ZooKeeperConnection, path: string): Promise<void> {
    if (this.paths.has(path)) return;
    let making = this.making.get(path);
    if (making === undefined) {
      making = zk.ensure(path).finally(() => this.making.delete(path));
      this.making.set(path, making);
    }
    await making;
    this.add(path);
  }

  /** True when `path` is known to exist (made here, or found there). */
  has(path: string): boolean {
    return this.paths.has(path);
  }

  /** Records that `path` exists (a transaction of this store just made it). */
  add(path: string): void {
    if (this.paths.size >= KNOWN_FOLDERS) this.paths.clear();
    this.paths.add(path);
  }

  forget(path: string): void {
    this.paths.delete(path);
  }

  clear(): void {
    this.paths.clear();
  }
}

/**
 * True when `error` is a ZooKeeper failure with this code; with `opIndex`, a failed transaction whose
 * operation at that index (from 0) failed with it.
 */
export function isZk(error: unknown, code: number, opIndex?: number): boolean {
  return (
    error instanceof ZkError && error.code === code && (opIndex === undefined || error.opIndex === opIndex)
  );
}

export interface ConnectionSettings {
  /** `host:port[,host:port...]`. */
  hosts: string;
  sessionTimeout: number;
  connectTimeout: number;
  operationTimeout: number;
  alias: string;
  logger: Logger;
}

type ZkModule = typeof Zk;

async function loadDriver(alias: string): Promise<ZkModule> {
  try {
    const module = (await import('node-zookeeper-client')) as ZkModule & { default?: ZkModule };
    return module.default ?? module;
  } catch (cause) {
    throw new JobStoreError(
      'ZooKeeperJobStore needs the "node-zookeeper-client" package: npm install node-zookeeper-client',
      { jobStore: alias, cause },
    );
  }
}

/**
 * A ZooKeeper session that outlives outages: the driver reconnects a dropped connection by itself
 * within the session timeout, and a session that expired (an outage longer than that) is replaced by
 * a new one on the next operation. Every operation is bounded by `operationTimeout`, so a server
 * gone silent fails the call instead of hanging the scheduler; one error line is logged per outage.
 */
export class ZooKeeperConnection {
  private client: Zk.Client | null = null;
  private connecting: Promise<Zk.Client> | null = null;
  private closed = false;
  private reported = false;
  /** Sessions started so far: from the second on, the watches of the last one are gone. */
  private sessions = 0;
  private watcher: (() => void) | null = null;

  private constructor(
    private readonly driver: ZkModule,
    private readonly settings: ConnectionSettings,
  ) {}

  /** Connects, failing with `JobStoreError` when no server answers within `connectTimeout`. */
  static async open(settings: ConnectionSettings): Promise<ZooKeeperConnection> {
    const connection = new ZooKeeperConnection(await loadDriver(settings.alias), settings);
    await connection.session();
    return connection;
  }

  /** Called (once per registration) when a watched node changes, and after a new session starts. */
  onWatch(watcher: () => void): void {
    this.watcher = watcher;
  }

  /** The watcher function to pass to reads that set a watch. */
  readonly watch = (): void => {
    this.watcher?.();
  };

  close(): void {
    this.closed = true;
    const client = this.client;
    client?.close();
    // The driver closes its socket when the server confirms; a silent server never does.
    if (client !== null) setTimeout(() => destroySocket(client), CLOSE_GRACE_MS).unref();
    this.client = null;
    this.connecting = null;
  }

  async getData(path: string, watch = false): Promise<Stored> {
    return this.call('getData', path, (client, done) => {
      const callback = (error: unknown, data: Buffer | undefined, stat: Zk.Stat) =>
        done(error, { data: data?.toString('utf8') ?? '', version: stat?.version ?? -1 });
      if (watch) client.getData(path, this.watch, callback);
      else client.getData(path, callback);
    });
  }

  /** A znode's data and version, or `null` when it does not exist. */
  async read(path: string): Promise<Stored | null> {
    try {
      return await this.getData(path);
    } catch (error) {
      if (isZk(error, ZK.NO_NODE)) return null;
      throw error;
    }
  }

  /** A znode's children, or none when it does not exist. */
  async childrenOrNone(path: string): Promise<string[]> {
    try {
      return await this.getChildren(path);
    } catch (error) {
      if (isZk(error, ZK.NO_NODE)) return [];
      throw error;
    }
  }

  /**
   * A znode's children and its data version, read together, or `null` when it does not exist: what
   * a transaction that adds children checks (by setting the data at that version) to know that
   * nobody added any since.
   */
  async childrenAndVersion(path: string): Promise<{ children: string[]; version: number } | null> {
    try {
      return await this.call('getChildren', path, (client, done) =>
        client.getChildren(path, (error, children, stat) =>
          done(error, { children, version: stat?.version ?? -1 }),
        ),
      );
    } catch (error) {
      if (isZk(error, ZK.NO_NODE)) return null;
      throw error;
    }
  }

  async getChildren(path: string, watch = false): Promise<string[]> {
    return this.call('getChildren', path, (client, done) => {
      const callback = (error: unknown, children: string[]) => done(error, children);
      if (watch) client.getChildren(path, this.watch, callback);
      else client.getChildren(path, callback);
    });
  }

  /** The id of the live session (hex), connecting first when there is none. */
  async sessionId(): Promise<string> {
    return (await this.session()).getSessionId().toString('hex');
  }

  /** Creates an ephemeral znode, which ZooKeeper removes when the session that made it ends. */
  async createEphemeral(path: string): Promise<void> {
    await this.call('create', path, (client, done) =>
      client.create(path, Buffer.alloc(0), this.driver.CreateMode.EPHEMERAL, (error) =>
        done(error, undefined),
      ),
    );
  }

  async create(path: string, data = ''): Promise<void> {
    await this.call('create', path, (client, done) =>
      client.create(path, Buffer.from(data), (error) => done(error, undefined)),
    );
  }

  /** Creates `path` unless it exists. */
  async ensure(path: string): Promise<void> {
    try {
      await this.create(path);
    } catch (error) {
      if (!isZk(error, ZK.NODE_EXISTS)) throw error;
    }
  }

  async mkdirp(path: string): Promise<void> {
    await this.call('mkdirp', path, (client, done) => client.mkdirp(path, (error) => done(error, undefined)));
  }

  async remove(path: string, version = -1): Promise<void> {
    await this.call('remove', path, (client, done) =>
      client.remove(path, version, (error) => done(error, undefined)),
    );
  }

  /**
   * Runs `ops` as one atomic transaction. A failure is a `ZkError` with the code and index of the
   * operation that failed (none of the others took effect).
   */
  async commit(ops: ZkOp[]): Promise<void> {
    if (ops.length === 0) return;
    const session = await this.session();
    const transaction = session.transaction();
    for (const op of ops) {
      if (op.op === 'create') {
        const { PERSISTENT, PERSISTENT_SEQUENTIAL } = this.driver.CreateMode;
        const mode = op.sequential === true ? PERSISTENT_SEQUENTIAL : PERSISTENT;
        transaction.create(op.path, Buffer.from(op.data ?? ''), mode);
      } else {
        if (op.op === 'set') transaction.setData(op.path, Buffer.from(op.data), op.version);
        else if (op.op === 'remove') transaction.remove(op.path, op.version ?? -1);
        else transaction.check(op.path, op.version);
        keepVersion(transaction, op.version ?? -1);
      }
    }
    const what = `transaction of ${ops.length} operations on ${ops[0]?.path}`;
    await this.bounded(
      session,
      new Promise<void>((resolve, reject) => {
        transaction.commit((error, results: unknown) => {
          if (error === null || error === undefined) return resolve();
          const index = failedOp(results);
          const where = index >= 0 ? ` (operation ${index + 1}: ${ops[index]?.op} ${ops[index]?.path})` : '';
          reject(this.toError(error, what + where, index));
        });
      }),
      what,
    );
  }

  private async call<T>(
    name: string,
    path: string,
    run: (client: Zk.Client, done: (error: unknown, value: T) => void) => void,
  ): Promise<T> {
    const session = await this.session();
    return this.bounded(
      session,
      new Promise<T>((resolve, reject) => {
        run(session, (error, value) => {
          if (error === null || error === undefined) resolve(value);
          else reject(this.toError(error, `${name} ${path}`));
        });
      }),
      `${name} ${path}`,
    );
  }

  /**
   * `work`, or a `NoReplyError` after `operationTimeout`. A request without a reply means a
   * connection gone silent (half-open): the driver pings but never gives such a socket up, so it is
   * destroyed here, and the driver reconnects as after any dropped connection, in the same session
   * if it is still alive.
   */
  private async bounded<T>(session: Zk.Client, work: Promise<T>, what: string): Promise<T> {
    try {
      return await withTimeout(work, this.settings.operationTimeout, what);
    } catch (error) {
      if (error instanceof NoReplyError && this.client === session) destroySocket(session);
      throw error;
    }
  }

  private toError(error: unknown, what: string, opIndex = -1): Error {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number') return error instanceof Error ? error : new Error(String(error));
    const name = (error as { name?: string }).name ?? `code ${code}`;
    return new ZkError(code, `${name} (${what})`, opIndex);
  }

  /** The live client, a new session when the last one expired. */
  private session(): Promise<Zk.Client> {
    if (this.closed) return Promise.reject(new Error('the ZooKeeper connection is closed'));
    if (this.client !== null) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private connect(): Promise<Zk.Client> {
    const { hosts, sessionTimeout, connectTimeout, alias, logger } = this.settings;
    const client = this.driver.createClient(hosts, { sessionTimeout, spinDelay: 200, retries: 0 });
    client.on('disconnected', () => {
      if (this.closed || this.reported) return;
      this.reported = true;
      logger.error(`ZooKeeper job store "${alias}" lost its connection to ${hosts}; reconnecting`);
    });
    client.on('connected', () => {
      this.reported = false;
    });
    client.on('expired', () => {
      // The driver does not start a new session by itself; the next operation does.
      if (this.client === client) this.client = null;
      client.close();
      if (!this.closed)
        logger.error(`ZooKeeper job store "${alias}": its session expired; starting a new one`);
    });
    return new Promise<Zk.Client>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(new Error(`no ZooKeeper server at ${hosts} answered within ${connectTimeout} ms`));
      }, connectTimeout);
      client.once('connected', () => {
        clearTimeout(timer);
        if (this.closed) {
          client.close();
          reject(new Error('the ZooKeeper connection is closed'));
          return;
        }
        this.client = client;
        // Watches of an expired session are gone: wake the store so it sets them again.
        if (this.sessions++ > 0) this.watch();
        resolve(client);
      });
      client.connect();
    });
  }
}

/**
 * Puts back the version of the operation just added to `transaction`. node-zookeeper-client's
 * transaction methods read `version || -1`, so version 0 (a znode never changed since it was made)
 * became -1, "any version", and the check was silently dropped
 * (https://github.com/alexguan/node-zookeeper-client/issues/67). A driver without its `ops` array
 * is left as it is.
 */
function keepVersion(transaction: Zk.Transaction, version: number): void {
  const ops = (transaction as unknown as { ops?: { version?: number }[] }).ops;
  const last = Array.isArray(ops) ? ops[ops.length - 1] : undefined;
  if (last !== undefined && 'version' in last) last.version = version;
}

/**
 * The index of the operation that failed a transaction, or -1: ZooKeeper answers each operation,
 * those before the failed one with OK (0), the failed one with its error, those after it with
 * RUNTIME_INCONSISTENCY (-2).
 */
function failedOp(results: unknown): number {
  if (!Array.isArray(results)) return -1;
  return results.findIndex(
    (result: { err?: unknown }) => typeof result.err === 'number' && result.err !== 0 && result.err !== -2,
  );
}

/** A transaction that failed because another writer changed the same znodes: a `Conflict` to retry. */
export function conflictOr(error: unknown): unknown {
  return isZk(error, ZK.BAD_VERSION) || isZk(error, ZK.NO_NODE) || isZk(error, ZK.NODE_EXISTS)
    ? new Conflict((error as Error).message)
    : error;
}

/**
 * True when a write failed because another writer got there first: a version moved, a znode went
 * away or appeared, or a folder to remove was given a child.
 */
export function lostRace(error: unknown): boolean {
  return conflictOr(error) instanceof Conflict || isZk(error, ZK.NOT_EMPTY);
}

/**
 * Commits several independent transactions: all in one when none of them lost a race (one round
 * trip), else each on its own, so that one lost race costs only its own. Returns, for each, `null`
 * when it was committed or the `ZkError` of the race it lost; any other failure is thrown.
 */
export async function commitEach(zk: ZooKeeperConnection, batches: ZkOp[][]): Promise<(ZkError | null)[]> {
  const lost = (error: unknown): ZkError => {
    if (error instanceof ZkError && lostRace(error)) return error;
    throw error;
  };
  if (batches.length === 0) return [];
  if (batches.length === 1) {
    return [await zk.commit(batches[0] as ZkOp[]).then(() => null, lost)];
  }
  try {
    await zk.commit(batches.flat());
    return batches.map(() => null);
  } catch (error) {
    lost(error);
  }
  return Promise.all(batches.map((ops) => zk.commit(ops).then(() => null, lost)));
}

/** Swallows a lost race (the znode changed or went away); rethrows anything else. */
export function ignoreConflict(error: unknown): void {
  if (!(conflictOr(error) instanceof Conflict)) throw error;
}

/**
 * Destroys the client's socket. node-zookeeper-client has no public way to give up a connection, so
 * this reaches its connection manager; when that is not there (another version), nothing happens
 * and the driver's own reconnection is all there is.
 */
function destroySocket(client: Zk.Client): void {
  const internals = client as unknown as { connectionManager?: { socket?: { destroy?: () => void } } };
  internals.connectionManager?.socket?.destroy?.();
}
