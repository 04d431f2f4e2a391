import {
  ConflictingIdError,
  HoraeError,
  JobLookupError,
  JobStoreError,
  SerializationError,
} from '../../errors.js';
import type { JobState } from '../../job-state.js';
import { defaultLogger, type Logger } from '../../logger.js';
import { deserializeJob, serializeJob } from '../job-serializer.js';
import type {
  ActiveRun,
  InterruptedRun,
  JobRelease,
  JobStore,
  JobStoreContext,
  NodeRecord,
  ReleaseResult,
  RunRecord,
} from '../job-store.js';
import { compareJobs } from '../job-order.js';
import { redactUrl } from '../redact-url.js';
import { deserializeRunRecord } from '../run-record.js';
import { RedisActiveRuns, UNREADABLE_RETRY_MS } from './redis-active-runs.js';
import {
  boundedClient,
  closeRedis,
  commandTimeoutOf,
  connectRedis,
  type OwnedRedisClient,
  type RedisClient,
} from './redis-connection.js';
import {
  clusterKeyPrefix,
  connectRedisCluster,
  normalizeClusterUrl,
  type RedisClusterTarget,
} from './redis-cluster.js';
import { checkOptions, clusterTargetOf, type RedisJobStoreOptions } from './redis-options.js';
import { KEY_NAMES, RUN_MEMBER_PREFIX, runRecordChunks, SCRIPTS, type LuaScript } from './redis-scripts.js';

export type { RedisJobStoreOptions } from './redis-options.js';

/** The layout of the keys this version reads and writes; kept in `<prefix>version`. */
export const REDIS_SCHEMA_VERSION = 1;

/**
 * A job store in Redis, shared safely by several scheduler processes: every write is one Lua script,
 * so claiming due jobs is atomic and each run fires once. Jobs are JSON in one hash; scheduled jobs
 * sit in a sorted set by next run time, leased ones in another by lease end; each job's run history
 * is a capped sorted set. Runs in progress and node heartbeats (the cluster half of the contract)
 * live in keys of their own beside them (`redis-active-runs.ts`). Needs the `ioredis` package
 * unless you pass your own `client`.
 *
 * On a Redis Cluster (a `redis+cluster://` URL, `nodes`, or a `Cluster` as `client`) every key of a
 * store carries one hash tag made from its prefix (`keyPrefix`), so all of them live in one slot
 * and each script stays atomic on one node; several stores (prefixes) spread over the nodes.
 *
 * A stored job this version cannot read (corrupt, or written by a newer Horae) is reported through
 * the scheduler's logger and as `EVENT_JOB_UNREADABLE`, and left in Redis untouched: `getAllJobs`
 * passes over it, `lookupJob` throws its `SerializationError`, and when due it is parked for a minute
 * at a time rather than retried in a loop. `updateJob` and `removeJob` still work on it. A stored run
 * it cannot read is reported (with its job's id) and kept the same way.
 *
 * @example
 * const scheduler = new Scheduler({
 *   jobStores: { default: new RedisJobStore({ url: 'redis://127.0.0.1:6379', prefix: 'billing:' }) },
 * });
 */
export class RedisJobStore implements JobStore {
  readonly persistent = true;
  /** The `prefix` option. */
  readonly prefix: string;
  /**
   * What every key starts with: `prefix` on a single Redis; on a cluster, `prefix` when it already
   * holds a hash tag (`app:{billing}:`), else `prefix` wrapped whole as one (`{horae:}`).
   */
  readonly keyPrefix: string;
  /** Where the store opens its cluster connection; `undefined` on a single Redis or with a `client`. */
  private readonly cluster: RedisClusterTarget | undefined;
  private readonly keys: string[];
  private readonly runsPrefix: string;
  private readonly options: RedisJobStoreOptions;
  private client: RedisClient | null = null;
  private owned: OwnedRedisClient | null = null;
  private alias = 'default';
  private logger: Logger = defaultLogger;
  private reportUnreadable: JobStoreContext['reportUnreadableJob'];
  private readonly commandTimeout: number;
  /** Runs in progress and nodes (the cluster half of the contract). */
  private readonly active = new RedisActiveRuns({
    script: (operation, script, ...args) => this.script(operation, script, ...args),
    unreadableRun: (runId, jobId, error) => {
      this.logger.error(
        `Run "${runId}"${jobId === null ? '' : ` of job "${jobId}"`} in Redis job store "${this.alias}" ` +
          `cannot be read; it is skipped and kept in Redis (key ${this.keyPrefix}active:${runId}) for ` +
          'you to fix or remove',
        error,
      );
      this.reportUnreadable?.(jobId ?? runId, error);
    },
    unreadableNode: (nodeId, error) => {
      this.logger.error(
        `Node "${nodeId}" in Redis job store "${this.alias}" cannot be read and is not listed ` +
          `(key ${this.keyPrefix}nodes, field ${nodeId}); its next heartbeat replaces it`,
        error,
      );
    },
  });

  private get url(): string {
    return this.options.url ?? 'redis://127.0.0.1:6379';
  }

  /** Throws `JobStoreError` naming an unknown option. */
  constructor(options: RedisJobStoreOptions = {}) {
    checkOptions(options);
    this.options =
      options.url === undefined ? { ...options } : { ...options, url: normalizeClusterUrl(options.url) };
    this.prefix = options.prefix ?? 'horae:';
    this.cluster = clusterTargetOf(this.options);
    const onCluster = options.client?.isCluster === true || this.cluster !== undefined;
    this.keyPrefix = onCluster ? clusterKeyPrefix(this.prefix) : this.prefix;
    this.keys = KEY_NAMES.map((name) => this.keyPrefix + name);
    this.runsPrefix = `${this.keyPrefix}runs:`;
    this.commandTimeout = commandTimeoutOf(this.options.url, options.commandTimeout);
  }

  async start(context: JobStoreContext): Promise<void> {
    this.alias = context.alias;
    this.logger = context.logger;
    this.reportUnreadable = context.reportUnreadableJob;
    if (this.client !== null) return;
    const timeout = this.options.connectTimeout ?? 5000;
    let client = this.options.client;
    if (client === undefined) {
      this.owned =
        this.cluster === undefined
          ? await connectRedis(this.url, timeout, this.logger, this.alias, this.commandTimeout)
          : await connectRedisCluster(this.cluster, timeout, this.logger, this.alias, this.commandTimeout);
      client = this.owned;
    } else client = boundedClient(client, this.commandTimeout);
    try {
      await this.checkSchema(client, timeout);
    } catch (error) {
      await this.shutdown();
      throw error;
    }
    this.client = client;
  }

  async shutdown(): Promise<void> {
    const owned = this.owned;
    this.client = null;
    this.owned = null;
    if (owned !== null) await closeRedis(owned);
  }

  async addJob(job: JobState): Promise<void> {
    const added = await this.script(
      'add job',
      SCRIPTS.add,
      job.id,
      encodeJob(job),
      timeArg(job.nextRunTime, ''),
    );
    if (added === 0) throw new ConflictingIdError(job.id);
  }

  async updateJob(job: JobState): Promise<void> {
    const updated = await this.script(
      'update job',
      SCRIPTS.update,
      job.id,
      encodeJob(job),
      timeArg(job.nextRunTime, ''),
    );
    if (updated === 0) throw new JobLookupError(job.id, this.alias);
  }

  async removeJob(id: string): Promise<void> {
    if ((await this.script('remove job', SCRIPTS.remove, id)) === 0) throw new JobLookupError(id, this.alias);
  }

  async removeAllJobs(): Promise<void> {
    await this.script('remove all jobs', SCRIPTS.removeAll);
  }

  async lookupJob(id: string): Promise<JobState | null> {
    const document = (await this.command('look up job', 'HGET', this.keys[0] as string, id)) as string | null;
    if (document === null) return null;
    // Asked for by id, an unreadable job is an error to show the caller, not a job to pass over.
    return deserializeJob(parseDocument(id, document));
  }

  async getAllJobs(): Promise<JobState[]> {
    const flat = (await this.command('list jobs', 'HGETALL', this.keys[0] as string)) as string[];
    const jobs: JobState[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const job = this.decode(flat[i] as string, flat[i + 1] as string);
      if (job !== null) jobs.push(job);
    }
    return jobs.sort(compareJobs);
  }

  async getNextRunTime(): Promise<Date | null> {
    const [next, leaseEnd] = (await this.script('read next run time', SCRIPTS.nextRunTime)) as (
      string | null
    )[];
    const earliest = Math.min(Number(next ?? Infinity), Number(leaseEnd ?? Infinity));
    return earliest === Infinity ? null : new Date(earliest);
  }

  async acquireDueJobs(schedulerId: string, now: Date, leaseMs: number, limit: number): Promise<JobState[]> {
    const nowMs = now.getTime();
    const flat = (await this.script(
      'acquire due jobs',
      SCRIPTS.acquire,
      schedulerId,
      nowMs,
      nowMs + leaseMs,
      limit,
    )) as string[];
    const jobs: JobState[] = [];
    const unreadable: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i] as string;
      const job = this.decode(id, flat[i + 1] as string);
      if (job === null) unreadable.push(id);
      else jobs.push(job);
    }
    if (unreadable.length > 0) {
      // Keep them leased, so a short lease time cannot turn a bad document into a busy loop.
      const parkUntil = nowMs + Math.max(leaseMs, UNREADABLE_RETRY_MS);
      await this.script('park unreadable jobs', SCRIPTS.hold, schedulerId, parkUntil, ...unreadable);
    }
    return jobs;
  }

  async releaseJobs(
    schedulerId: string,
    releases: JobRelease[],
    runs: ActiveRun[] = [],
  ): Promise<ReleaseResult> {
    return this.active.release(schedulerId, releases, runs);
  }

  async acquireRuns(
    node: string,
    executors: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]> {
    return this.active.acquire(node, executors, now, leaseMs, limit);
  }

  async finishRuns(node: string, runIds: string[], records: RunRecord[], retention: number): Promise<void> {
    await this.active.finish(node, runIds, records, retention);
  }

  async heartbeat(node: NodeRecord, now: Date, leaseMs: number): Promise<void> {
    await this.active.heartbeat(node, now, leaseMs);
  }

  async removeNode(id: string): Promise<void> {
    await this.active.removeNode(id);
  }

  async getNodes(now: Date): Promise<NodeRecord[]> {
    return this.active.getNodes(now);
  }

  async takeInterruptedRuns(now: Date, limit: number, retention: number): Promise<InterruptedRun[]> {
    return this.active.takeInterrupted(now, limit, retention);
  }

  async getActiveRuns(): Promise<ActiveRun[]> {
    return this.active.getActive();
  }

  async addRun(record: RunRecord, retention: number): Promise<void> {
    await this.addRuns([record], retention);
  }

  /** Writes what it is given, as it is given (the scheduler batches the records of a turn): one script call. */
  async addRuns(records: RunRecord[], retention: number): Promise<void> {
    for (const chunk of runRecordChunks(records, retention)) {
      await this.script('record runs', SCRIPTS.addRuns, ...chunk);
    }
  }

  async getRuns(jobId: string, limit: number): Promise<RunRecord[]> {
    if (limit <= 0) return [];
    const members = (await this.command(
      'read runs',
      'ZREVRANGE',
      this.runsPrefix + jobId,
      0,
      limit - 1,
    )) as string[];
    const records: RunRecord[] = [];
    for (const member of members) {
      try {
        records.push(deserializeRunRecord(member.slice(RUN_MEMBER_PREFIX)));
      } catch (error) {
        this.logger.error(`A run record of job "${jobId}" cannot be read and was skipped`, error);
      }
    }
    return records;
  }

  /** Claims the schema version for an empty prefix, or refuses a prefix laid out by another version. */
  private async checkSchema(client: RedisClient, timeoutMs: number): Promise<void> {
    const key = `${this.keyPrefix}version`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    let stored: unknown;
    try {
      await Promise.race([client.call('SET', key, REDIS_SCHEMA_VERSION, 'NX'), timeout]);
      stored = await Promise.race([client.call('GET', key), timeout]);
    } catch (cause) {
      throw this.failure('start', cause);
    } finally {
      clearTimeout(timer);
    }
    if (String(stored) !== String(REDIS_SCHEMA_VERSION)) {
      throw new JobStoreError(
        `Redis job store "${this.alias}": keys under prefix "${this.keyPrefix}" use schema version ${String(
          stored,
        )}; this Horae reads version ${REDIS_SCHEMA_VERSION}. Use another prefix or migrate the data.`,
        { jobStore: this.alias },
      );
    }
  }

  /** A stored job, or `null` (reported, and left in Redis) when it cannot be read. */
  private decode(id: string, document: string): JobState | null {
    try {
      return deserializeJob(parseDocument(id, document));
    } catch (error) {
      this.logger.error(
        `Job "${id}" in Redis job store "${this.alias}" cannot be read; it is skipped and kept in Redis ` +
          `(key ${this.keys[0]}, field ${id}) for you to fix or remove`,
        error,
      );
      this.reportUnreadable?.(id, error);
      return null;
    }
  }

  private script(operation: string, script: LuaScript, ...args: (string | number)[]): Promise<unknown> {
    return this.guard(operation, (client) => script.run(client, this.keys, [this.keyPrefix, ...args]));
  }

  private command(operation: string, command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.guard(operation, (client) => client.call(command, ...args));
  }

  private async guard(operation: string, run: (client: RedisClient) => Promise<unknown>): Promise<unknown> {
    if (this.client === null) {
      throw new JobStoreError(`Redis job store "${this.alias}" is not started (${operation})`, {
        jobStore: this.alias,
      });
    }
    try {
      return await run(this.client);
    } catch (cause) {
      throw this.failure(operation, cause);
    }
  }

  private failure(operation: string, cause: unknown): HoraeError {
    if (cause instanceof HoraeError) return cause;
    const where =
      this.options.client !== undefined
        ? ''
        : ` at ${this.cluster === undefined ? redactUrl(this.url) : this.cluster.shown}`;
    return new JobStoreError(
      `Redis job store "${this.alias}"${where} failed to ${operation}: ${(cause as Error).message}`,
      { jobStore: this.alias, cause },
    );
  }
}

/**
 * The stored document: `serializeJob`'s JSON with the two time fields first, so the release script
 * can rewrite them in place without decoding (and re-encoding, lossily) the rest in Lua.
 */
function encodeJob(job: JobState): string {
  const { nextRunTime, nextFireTime, ...rest } = serializeJob(job);
  return `{"nextRunTime":${nextRunTime},"nextFireTime":${nextFireTime},${JSON.stringify(rest).slice(1)}`;
}

function parseDocument(id: string, document: string): unknown {
  try {
    return JSON.parse(document);
  } catch (cause) {
    throw new SerializationError(`Stored job "${id}" is not valid JSON`, { cause });
  }
}

function timeArg(date: Date | null, none: string): string {
  return date === null ? none : String(date.getTime());
}
