import { ConflictingIdError, JobLookupError, JobStoreError } from '../../errors.js';
import type { JobState } from '../../job-state.js';
import { defaultLogger, type Logger } from '../../logger.js';
import { findUnknownOption, unknownOptionMessage } from '../../unknown-option.js';
import { deserializeJob, serializeJob, type SerializedJob } from '../job-serializer.js';
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
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  checkTimeout,
  connectEtcd,
  parseEtcdUrl,
  type EtcdAddress,
  type EtcdClient,
  type EtcdKeyValue,
  type EtcdRequestOp,
  type OwnedEtcdClient,
} from './etcd-connection.js';
import { EtcdActiveRuns } from './etcd-active-runs.js';
import { EtcdClaims, parseDocument } from './etcd-claims.js';
import { EtcdKeys, absent, ops, unchanged } from './etcd-keys.js';
import { EtcdNodes } from './etcd-nodes.js';
import { EtcdRelease } from './etcd-release.js';
import { EtcdRequests } from './etcd-requests.js';
import { EtcdRuns } from './etcd-runs.js';
import { EtcdWatch } from './etcd-watch.js';

/** The layout of the keys this version reads and writes (see `etcd-keys.ts`); kept in `<prefix>version`. */
export const ETCD_SCHEMA_VERSION = 1;

/** Attempts of a read-then-write (`updateJob`, `removeJob`) that others keep changing under it. */
const WRITE_ATTEMPTS = 10;

export interface EtcdJobStoreOptions {
  /**
   * `etcd://[user:password@]host:port[,host:port...]/prefix`: the members of one etcd cluster and the
   * key prefix (the path). Default `etcd://127.0.0.1:2379/horae`.
   */
  url?: string;
  /**
   * An `etcd3` client you opened (TLS, your own auth or fault handling). The store uses it as it is
   * (each request still bounded by `commandTimeout`) and never closes it. Takes precedence over `url`.
   */
  client?: EtcdClient;
  /** Put before every key; a `/` is added when missing. Default: the URL's path, else `'horae/'`. */
  prefix?: string;
  /** How long `start()` waits for etcd before failing with `JobStoreError`, in ms. Default 5000. */
  connectTimeout?: number;
  /** Milliseconds to wait for the reply to one request before failing it. Default 10000. */
  commandTimeout?: number;
}

/**
 * A job store in etcd, shared safely by several scheduler processes. Jobs are JSON under a key
 * prefix; an index key per scheduled job, named by its zero-padded next run time, lets a claim read
 * only the due jobs. A claim is a transaction that checks the revisions of the job and of its claim
 * key and writes the claim under an etcd lease, so two schedulers never get the same job and a dead
 * holder's claims vanish by themselves. Watches on the prefix wake the scheduler when another
 * process adds, moves or frees a job. Needs the `etcd3` package unless you pass your own `client`.
 *
 * A stored job this version cannot read is reported (logger and `EVENT_JOB_UNREADABLE`) and kept:
 * listing passes over it, `lookupJob` throws its `SerializationError`, and when due it is parked
 * for a minute at a time. `updateJob` and `removeJob` still work on it.
 *
 * @example
 * const scheduler = new Scheduler({
 *   jobStores: { default: new EtcdJobStore({ url: 'etcd://10.0.0.1:2379,10.0.0.2:2379/billing' }) },
 * });
 */
export class EtcdJobStore implements JobStore {
  readonly persistent = true;
  /** The key prefix, ending in `/`. */
  readonly prefix: string;
  private readonly keys: EtcdKeys;
  private readonly options: EtcdJobStoreOptions;
  private readonly address: EtcdAddress;
  private readonly commandTimeout: number;
  private readonly connectTimeout: number;
  private readonly requests: EtcdRequests;
  private readonly runs: EtcdRuns;
  private readonly claims: EtcdClaims;
  private readonly activeRuns: EtcdActiveRuns;
  private readonly release: EtcdRelease;
  private readonly nodes: EtcdNodes;
  private owned: OwnedEtcdClient | null = null;
  private watch: EtcdWatch | null = null;
  private alias = 'default';
  private logger: Logger = defaultLogger;
  private reportUnreadable: JobStoreContext['reportUnreadableJob'];

  /** Throws `JobStoreError` naming a bad option or URL. */
  constructor(options: EtcdJobStoreOptions = {}) {
    checkOptions(options);
    this.options = { ...options };
    this.address = parseEtcdUrl(options.url ?? 'etcd://127.0.0.1:2379/horae');
    const prefix = options.prefix ?? this.address.prefix ?? 'horae/';
    if (typeof prefix !== 'string' || prefix === '') {
      throw new JobStoreError(
        `EtcdJobStore prefix must be a non-empty string, not ${JSON.stringify(prefix)}`,
      );
    }
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.keys = new EtcdKeys(this.prefix);
    this.commandTimeout = checkTimeout(options.commandTimeout, 'commandTimeout', DEFAULT_COMMAND_TIMEOUT_MS);
    this.connectTimeout = checkTimeout(options.connectTimeout, 'connectTimeout', 5000);
    this.requests = new EtcdRequests(
      () => this.describe(),
      () => this.alias,
      this.commandTimeout,
    );
    this.runs = new EtcdRuns(this.keys, this.requests);
    this.claims = new EtcdClaims(this.keys, this.requests, (id, error) =>
      this.reportUnreadableJob(id, error),
    );
    this.activeRuns = new EtcdActiveRuns(this.keys, this.requests, this.runs, (runId, jobId, error) =>
      this.reportUnreadableRun(runId, jobId, error),
    );
    this.release = new EtcdRelease(this.keys, this.requests, this.claims, this.activeRuns);
    this.nodes = new EtcdNodes(this.keys, this.requests, this.activeRuns, (message, error) =>
      this.logger.warn(`${this.describe()}: ${message}`, error),
    );
  }

  async start(context: JobStoreContext): Promise<void> {
    this.alias = context.alias;
    this.logger = context.logger;
    this.reportUnreadable = context.reportUnreadableJob;
    if (this.requests.client !== null) return;
    let client = this.options.client;
    if (client === undefined) {
      this.owned = await connectEtcd(this.address);
      client = this.owned;
    }
    this.requests.client = client;
    try {
      await this.checkSchema(client);
      const wakeup = context.wakeup?.bind(context);
      if (wakeup !== undefined) {
        this.watch = new EtcdWatch(client, this.keys, this.requests, wakeup, this.logger, this.describe());
        await this.watch.start(this.connectTimeout);
      }
    } catch (error) {
      await this.shutdown();
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    const { owned, watch } = this;
    this.requests.client = null;
    this.owned = null;
    this.watch = null;
    this.claims.forget();
    this.activeRuns.forget();
    this.nodes.forget();
    this.requests.forget();
    await watch?.stop(this.commandTimeout);
    owned?.close();
  }

  async addJob(job: JobState): Promise<void> {
    const doc = JSON.stringify(serializeJob(job));
    const key = this.keys.job(job.id);
    const writes = [ops.put(key, doc), ops.delete(this.keys.claim(job.id))];
    if (job.nextRunTime !== null)
      writes.push(ops.put(this.keys.dueKey(job.id, job.nextRunTime.getTime()), ''));
    const response = await this.requests.txn('add job', [absent(key)], writes);
    if (!response.succeeded) throw new ConflictingIdError(job.id);
  }

  async updateJob(job: JobState): Promise<void> {
    const doc = JSON.stringify(serializeJob(job));
    const due = job.nextRunTime === null ? null : this.keys.dueKey(job.id, job.nextRunTime.getTime());
    const written = await this.rewrite('update job', job.id, (oldDue) => {
      const writes = [ops.put(this.keys.job(job.id), doc), ops.delete(this.keys.claim(job.id))];
      if (oldDue !== null && (due === null || !oldDue.equals(due))) writes.push(ops.delete(oldDue));
      if (due !== null) writes.push(ops.put(due, ''));
      return writes;
    });
    if (!written) throw new JobLookupError(job.id, this.alias);
  }

  async removeJob(id: string): Promise<void> {
    const removed = await this.rewrite('remove job', id, (oldDue) => [
      ops.delete(this.keys.job(id)),
      ops.delete(this.keys.claim(id)),
      ...(oldDue === null ? [] : [ops.delete(oldDue)]),
    ]);
    if (!removed) throw new JobLookupError(id, this.alias);
  }

  async removeAllJobs(): Promise<void> {
    await this.requests.txn(
      'remove all jobs',
      [],
      [ops.deletePrefix(this.keys.jobs), ops.deletePrefix(this.keys.due), ops.deletePrefix(this.keys.claims)],
    );
  }

  async lookupJob(id: string): Promise<JobState | null> {
    const { kvs } = await this.requests.range('look up job', { key: this.keys.job(id) });
    const kv = kvs[0];
    if (kv === undefined) return null;
    // Asked for by id, an unreadable job is an error to show the caller, not a job to pass over.
    return deserializeJob(parseDocument(id, kv.value.toString()));
  }

  async getAllJobs(): Promise<JobState[]> {
    const jobs: JobState[] = [];
    for (const kv of await this.requests.scan('list jobs', this.keys.jobs)) {
      const id = kv.key.toString().slice(this.keys.jobs.length);
      const job = this.decode(id, kv.value.toString());
      if (job !== null) jobs.push(job);
    }
    return jobs.sort(compareJobs);
  }

  getNextRunTime(): Promise<Date | null> {
    return this.claims.nextRunTime();
  }

  acquireDueJobs(schedulerId: string, now: Date, leaseMs: number, limit: number): Promise<JobState[]> {
    return this.claims.acquire(schedulerId, now.getTime(), leaseMs, limit);
  }

  releaseJobs(schedulerId: string, releases: JobRelease[], runs: ActiveRun[] = []): Promise<ReleaseResult> {
    return this.release.release(schedulerId, releases, runs);
  }

  acquireRuns(
    node: string,
    executors: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]> {
    return this.activeRuns.acquire(node, executors, now.getTime(), leaseMs, limit);
  }

  finishRuns(node: string, runIds: string[], records: RunRecord[], retention: number): Promise<void> {
    return this.activeRuns.finish(node, runIds, records, retention);
  }

  heartbeat(node: NodeRecord, now: Date, leaseMs: number): Promise<void> {
    return this.nodes.heartbeat(node, now.getTime(), leaseMs);
  }

  removeNode(id: string): Promise<void> {
    return this.nodes.removeNode(id);
  }

  getNodes(now: Date): Promise<NodeRecord[]> {
    return this.nodes.getNodes(now.getTime());
  }

  takeInterruptedRuns(now: Date, limit: number, retention: number): Promise<InterruptedRun[]> {
    return this.activeRuns.takeInterrupted(now.getTime(), limit, retention);
  }

  getActiveRuns(): Promise<ActiveRun[]> {
    return this.activeRuns.all();
  }

  async addRun(record: RunRecord, retention: number): Promise<void> {
    await this.runs.add([record], retention);
  }

  /** Writes what it is given at once: one transaction per 128 records, then one trim per job. */
  async addRuns(records: RunRecord[], retention: number): Promise<void> {
    await this.runs.add(records, retention);
  }

  getRuns(jobId: string, limit: number): Promise<RunRecord[]> {
    return this.runs.get(jobId, limit, this.logger);
  }

  /**
   * Reads a job, writes `writes(its index key)` if it has not changed since, and tries again when it
   * has. False when the job does not exist.
   */
  private async rewrite(
    operation: string,
    id: string,
    writes: (oldDue: Buffer | null) => EtcdRequestOp[],
  ): Promise<boolean> {
    const key = this.keys.job(id);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const { kvs } = await this.requests.range(operation, { key });
      const doc = kvs[0];
      if (doc === undefined) return false;
      const response = await this.requests.txn(
        operation,
        [unchanged(key, doc.mod_revision)],
        writes(this.dueKeyOf(id, doc)),
      );
      if (response.succeeded) return true;
    }
    throw new JobStoreError(`${this.describe()} failed to ${operation} "${id}": it kept changing meanwhile`, {
      jobStore: this.alias,
    });
  }

  /** The index key of a stored job, or null when paused (or its document is not JSON: acquire drops the key). */
  private dueKeyOf(id: string, doc: EtcdKeyValue): Buffer | null {
    try {
      const next = (JSON.parse(doc.value.toString()) as Partial<SerializedJob>).nextRunTime;
      return typeof next === 'number' ? this.keys.dueKey(id, next) : null;
    } catch {
      return null;
    }
  }

  /** Claims the schema version for an empty prefix, or refuses a prefix laid out by another version. */
  private async checkSchema(client: EtcdClient): Promise<void> {
    const key = this.keys.version;
    let stored: string | undefined;
    try {
      const response = await client.kv.txn(
        {
          compare: [absent(key)],
          success: [ops.put(key, String(ETCD_SCHEMA_VERSION))],
          failure: [ops.get(key)],
        },
        { deadline: Date.now() + this.connectTimeout },
      );
      stored = response.succeeded
        ? String(ETCD_SCHEMA_VERSION)
        : response.responses[0]?.response_range?.kvs[0]?.value.toString();
    } catch (cause) {
      throw new JobStoreError(`${this.describe()} cannot connect: ${(cause as Error).message}`, {
        jobStore: this.alias,
        cause,
      });
    }
    if (stored !== String(ETCD_SCHEMA_VERSION)) {
      throw new JobStoreError(
        `${this.describe()}: keys under prefix "${this.prefix}" use schema version ${String(stored)}; ` +
          `this Horae reads version ${ETCD_SCHEMA_VERSION}. Use another prefix or migrate the data.`,
        { jobStore: this.alias },
      );
    }
  }

  /** A stored job, or `null` (reported, and left in etcd) when it cannot be read. */
  private decode(id: string, document: string): JobState | null {
    try {
      return deserializeJob(parseDocument(id, document));
    } catch (error) {
      this.reportUnreadableJob(id, error);
      return null;
    }
  }

  private reportUnreadableJob(id: string, error: unknown): void {
    this.logger.error(
      `Job "${id}" in ${this.describe()} cannot be read; it is skipped and kept in etcd ` +
        `(key ${this.keys.jobs}${id}) for you to fix or remove`,
      error,
    );
    this.reportUnreadable?.(id, error);
  }

  private reportUnreadableRun(runId: string, jobId: string, error: unknown): void {
    this.logger.error(
      `Run "${runId}" of job "${jobId}" in ${this.describe()} cannot be read; it is skipped and kept in ` +
        `etcd (key ${this.keys.activeOf(jobId)}${runId}) for a node that can read it, or for you to remove`,
      error,
    );
    this.reportUnreadable?.(jobId, error);
  }

  private describe(): string {
    const where = this.options.client === undefined ? ` at ${this.address.hosts.join(',')}` : '';
    return `etcd job store "${this.alias}"${where}`;
  }
}

const OPTION_KEYS = [
  'url',
  'client',
  'prefix',
  'connectTimeout',
  'commandTimeout',
] as const satisfies readonly (keyof EtcdJobStoreOptions)[];

function checkOptions(options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new JobStoreError(
      `EtcdJobStore options must be an object such as { url: 'etcd://127.0.0.1:2379/horae' }, not ${
        JSON.stringify(options) ?? String(options)
      }`,
    );
  }
  const unknown = findUnknownOption(options, OPTION_KEYS);
  if (unknown !== undefined)
    throw new JobStoreError(unknownOptionMessage('EtcdJobStore', unknown, OPTION_KEYS));
  const { url } = options as EtcdJobStoreOptions;
  if (url !== undefined && typeof url !== 'string') {
    throw new JobStoreError(`EtcdJobStore url must be a string such as 'etcd://127.0.0.1:2379/horae'`);
  }
}
