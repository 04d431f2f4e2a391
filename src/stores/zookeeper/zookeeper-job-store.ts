import { ConflictingIdError, HoraeError, JobLookupError, JobStoreError } from '../../errors.js';
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
import { deserializeRunRecord } from '../run-record.js';
import {
  Conflict,
  KnownFolders,
  ZK,
  ZooKeeperConnection,
  conflictOr,
  isZk,
  type ZkOp,
} from './zookeeper-connection.js';
import {
  BUCKET_MS,
  Layout,
  ZOOKEEPER_SCHEMA_VERSION,
  decodeId,
  parseDocument,
  parseEntry,
  sortedBuckets,
  storedTime,
  type Bucket,
} from './zookeeper-layout.js';
import { ActiveRuns } from './zookeeper-active-runs.js';
import { Claims } from './zookeeper-claims.js';
import {
  byTime,
  dueIn,
  fileEntry,
  findEntries,
  freeAt,
  readLeases,
  type Candidate,
} from './zookeeper-index.js';
import { Nodes } from './zookeeper-nodes.js';
import { readRuns, writeRuns } from './zookeeper-runs.js';
import { resolveOptions, type ResolvedOptions, type ZooKeeperJobStoreOptions } from './zookeeper-options.js';

/** Attempts of a write that lost a race with another writer of the same job (then it reads again). */
const ATTEMPTS = 5;

/**
 * A job store in ZooKeeper, shared safely by several scheduler processes. Each job is a znode under
 * the root path; scheduled jobs that nobody holds have an entry in a due-time index of one-minute
 * buckets, so a pass reads the bucket names and the due buckets only; a claim is one multi-op
 * transaction that removes the index entry and creates the lease, guarded by the job's znode
 * version, so two schedulers never claim the same job. A lease ends at its end or with its holder's
 * ZooKeeper session (an ephemeral znode per session), whichever comes first, so a scheduler that
 * dies frees its claims when its session expires; a free lease is taken over by a versioned write
 * (`zookeeper-claims.ts`). Run records are sequential znodes under the job's run folder. Runs in
 * progress are znodes filed in a queue or in their holder's group, moved between them by one
 * transaction each, and stored in the transaction of the release that hands them on, with the job's
 * instance count checked by version (`zookeeper-active-runs.ts`); nodes are plain znodes named by
 * their expiry (`zookeeper-nodes.ts`). A watch on the index wakes the scheduler when another process
 * adds or moves a job (`JobStoreContext.wakeup`). The layout is in `zookeeper-layout.ts`; needs the
 * `node-zookeeper-client` package.
 *
 * A stored job or run this version cannot read is reported through the scheduler's logger and as
 * `EVENT_JOB_UNREADABLE` and kept: `getAllJobs` and `getActiveRuns` pass over it, `lookupJob` throws
 * its `SerializationError`, and a due job or a run to hand out is parked for a minute at a time.
 *
 * @example
 * const scheduler = new Scheduler({
 *   jobStores: { default: new ZooKeeperJobStore({ url: 'zookeeper://zk1:2181,zk2:2181/billing/horae' }) },
 * });
 */
export class ZooKeeperJobStore implements JobStore {
  readonly persistent = true;
  /** The path under which this store keeps its znodes. */
  readonly root: string;
  private readonly options: ResolvedOptions;
  private readonly paths: Layout;
  private zk: ZooKeeperConnection | null = null;
  private alias = 'default';
  private logger: Logger = defaultLogger;
  private reportUnreadable: JobStoreContext['reportUnreadableJob'];
  private wakeup: JobStoreContext['wakeup'];
  /**
   * Buckets and run folders this store made. Another process may remove an empty past bucket: a
   * commit then fails on it and is retried with the set cleared.
   */
  private readonly folders = new KnownFolders();
  private readonly claims: Claims;
  private readonly runs: ActiveRuns;
  private readonly nodes: Nodes;

  /** Throws `JobStoreError` naming a bad or unknown option. */
  constructor(options: ZooKeeperJobStoreOptions = {}) {
    this.options = resolveOptions(options);
    this.root = this.options.root;
    this.paths = new Layout(this.root);
    this.claims = new Claims(this.paths, this.folders);
    this.runs = new ActiveRuns(this.paths, this.folders, (jobId, runId, path, error) =>
      this.reportBadRun(jobId, runId, path, error),
    );
    this.nodes = new Nodes(this.paths, this.runs, (path, error) =>
      this.logger.error(
        `A node in ZooKeeper job store "${this.alias}" cannot be read; it is skipped (znode ${path})`,
        error,
      ),
    );
  }

  async start(context: JobStoreContext): Promise<void> {
    this.alias = context.alias;
    this.logger = context.logger;
    this.reportUnreadable = context.reportUnreadableJob;
    this.wakeup = context.wakeup;
    if (this.zk !== null) return;
    let zk: ZooKeeperConnection;
    try {
      zk = await ZooKeeperConnection.open({ ...this.options, alias: this.alias, logger: this.logger });
    } catch (cause) {
      if (cause instanceof HoraeError) throw cause;
      throw new JobStoreError(
        `ZooKeeper job store "${this.alias}" cannot connect to ${this.options.hosts}: ${(cause as Error).message}`,
        { jobStore: this.alias, cause },
      );
    }
    try {
      await zk.mkdirp(this.root);
      await Promise.all(this.paths.folders().map((path) => zk.ensure(path)));
      await this.checkSchema(zk);
    } catch (cause) {
      zk.close();
      throw this.failure('start', cause);
    }
    zk.onWatch(() => this.wakeup?.());
    this.zk = zk;
  }

  async shutdown(): Promise<void> {
    const zk = this.zk;
    this.zk = null;
    this.wakeup = undefined;
    this.claims.forgetSession();
    zk?.close();
  }

  async addJob(job: JobState): Promise<void> {
    const document = JSON.stringify(serializeJob(job));
    await this.guard('add job', async (zk) => {
      const ops: ZkOp[] = [{ op: 'create', path: this.paths.job(job.id), data: document }];
      await fileEntry(zk, this.paths, this.folders, ops, job.id, job.nextRunTime);
      try {
        await zk.commit(ops);
      } catch (error) {
        if (isZk(error, ZK.NODE_EXISTS, 0)) throw new ConflictingIdError(job.id);
        throw conflictOr(error);
      }
    });
  }

  async updateJob(job: JobState): Promise<void> {
    const document = JSON.stringify(serializeJob(job));
    let search = false;
    await this.guard('update job', async (zk) => {
      const write = (version: number): ZkOp => ({
        op: 'set',
        path: this.paths.job(job.id),
        data: document,
        version,
      });
      const ops = await this.unindex(zk, job.id, write, search);
      await fileEntry(zk, this.paths, this.folders, ops, job.id, job.nextRunTime);
      await zk.commit(ops).catch((error: unknown) => {
        search = misplaced(error);
        throw conflictOr(error);
      });
    });
  }

  async removeJob(id: string): Promise<void> {
    let search = false;
    await this.guard('remove job', async (zk) => {
      const write = (version: number): ZkOp => ({ op: 'remove', path: this.paths.job(id), version });
      const ops = await this.unindex(zk, id, write, search);
      await zk.commit(ops).catch((error: unknown) => {
        search = misplaced(error);
        throw conflictOr(error);
      });
    });
  }

  async removeAllJobs(): Promise<void> {
    const names = await this.guard('list jobs', (zk) => zk.getChildren(this.paths.jobs));
    await Promise.all(
      names.map((name) =>
        this.removeJob(decodeId(name)).catch((error: unknown) => {
          if (!(error instanceof JobLookupError)) throw error;
        }),
      ),
    );
  }

  async lookupJob(id: string): Promise<JobState | null> {
    const stored = await this.guard('look up job', (zk) => zk.read(this.paths.job(id)));
    // Asked for by id, an unreadable job is an error to show the caller, not a job to pass over.
    return stored === null ? null : deserializeJob(parseDocument(id, stored.data));
  }

  async getAllJobs(): Promise<JobState[]> {
    const jobs = await this.guard('list jobs', async (zk) => {
      const names = await zk.getChildren(this.paths.jobs);
      const read = await Promise.all(
        names.map(async (name) => {
          const stored = await zk.read(`${this.paths.jobs}/${name}`);
          return stored === null ? null : this.decode(decodeId(name), stored.data);
        }),
      );
      return read.filter((job): job is JobState => job !== null);
    });
    return jobs.sort(compareJobs);
  }

  async getNextRunTime(): Promise<Date | null> {
    const earliest = await this.guard('read next run time', async (zk) => {
      // Watched, so that another process adding or moving a job earlier, or a scheduler's session
      // ending (its jobs are free), wakes the scheduler.
      const [buckets, leases] = await Promise.all([
        zk.getChildren(this.paths.due, true),
        readLeases(zk, this.paths, true),
      ]);
      let next = Infinity;
      for (const bucket of sortedBuckets(buckets)) {
        const entries = await zk.getChildren(`${this.paths.due}/${bucket.name}`, true);
        for (const entry of entries) next = Math.min(next, parseEntry(entry)?.time ?? Infinity);
        if (next !== Infinity) break;
      }
      for (const lease of leases) next = Math.min(next, freeAt(lease));
      return next;
    });
    return earliest === Infinity ? null : new Date(earliest);
  }

  async acquireDueJobs(schedulerId: string, now: Date, leaseMs: number, limit: number): Promise<JobState[]> {
    if (limit <= 0) return [];
    const nowMs = now.getTime();
    return await this.guard('acquire due jobs', async (zk) => {
      const [bucketNames, leases, session] = await Promise.all([
        zk.getChildren(this.paths.due),
        readLeases(zk, this.paths),
        this.claims.announce(zk),
      ]);
      const buckets = sortedBuckets(bucketNames).filter((bucket) => bucket.number * BUCKET_MS <= nowMs);
      const candidates: Candidate[] = leases
        .filter((lease) => freeAt(lease) <= nowMs)
        .map(({ id, time, version }) => ({ id, time, leaseVersion: version }));
      const claimed: JobState[] = [];
      for (;;) {
        // Read due buckets, earliest first, until there are enough candidates for what is left.
        while (
          candidates.filter((candidate) => candidate.entry !== undefined).length < limit &&
          buckets.length > 0
        )
          candidates.push(...(await dueIn(zk, this.paths, this.folders, buckets.shift() as Bucket, nowMs)));
        candidates.sort(byTime);
        const batch = candidates.splice(0, limit - claimed.length);
        if (batch.length === 0) break;
        const won = await Promise.all(
          batch.map((candidate) =>
            this.claims.claim(zk, candidate, { schedulerId, session, nowMs, leaseMs }),
          ),
        );
        for (const outcome of won) {
          if (outcome === null) continue;
          if ('job' in outcome) claimed.push(outcome.job);
          else this.reportBad(outcome.id, outcome.unreadable);
        }
        if (claimed.length >= limit) break;
      }
      return claimed.sort(compareJobs);
    });
  }

  /**
   * Each release is one transaction with the runs of its job (see `Claims.release`); the runs of a
   * job not released (started by hand) are one transaction of their own. All go in parallel.
   */
  async releaseJobs(
    schedulerId: string,
    releases: JobRelease[],
    runs: ActiveRun[] = [],
  ): Promise<ReleaseResult> {
    if (releases.length === 0 && runs.length === 0) return { lost: [], refused: [] };
    const byJob = new Map<string, ActiveRun[]>();
    for (const run of runs) {
      const list = byJob.get(run.job.id);
      if (list === undefined) byJob.set(run.job.id, [run]);
      else list.push(run);
    }
    const batches = new Map([...byJob].map(([jobId, list]) => [jobId, this.runs.batch(jobId, list)]));
    const releasing = new Set(releases.map((release) => release.id));
    const released = new Set<string>();
    const lost: string[] = [];
    // Never retried as a whole (`guard`): a release that lost its job resolves false, not a `Conflict`.
    await this.guard('release jobs', (zk) =>
      Promise.all([
        ...releases.map(async (release) => {
          if (await this.claims.release(zk, schedulerId, release, batches.get(release.id))) {
            released.add(release.id);
          } else lost.push(release.id);
        }),
        ...[...batches]
          .filter(([jobId]) => !releasing.has(jobId))
          .map(async ([jobId, batch]) => {
            await this.runs.store(zk, batch);
            released.add(jobId);
          }),
      ]),
    );
    // The runs of a lost release were neither stored nor refused: they must not start.
    const refused = [...batches]
      .filter(([jobId]) => released.has(jobId))
      .flatMap(([, batch]) => batch.refused);
    return { lost, refused };
  }

  async acquireRuns(
    node: string,
    executors: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]> {
    return this.guard('acquire runs', (zk) => this.runs.acquire(zk, node, executors, now, leaseMs, limit));
  }

  async finishRuns(node: string, runIds: string[], records: RunRecord[], retention: number): Promise<void> {
    if (runIds.length === 0 && records.length === 0) return;
    await this.guard('finish runs', (zk) => this.runs.finish(zk, node, runIds, records, retention));
  }

  async heartbeat(node: NodeRecord, now: Date, leaseMs: number): Promise<void> {
    await this.guard('store a heartbeat', (zk) => this.nodes.heartbeat(zk, node, now, leaseMs));
  }

  async removeNode(id: string): Promise<void> {
    await this.guard('remove a node', (zk) => this.nodes.remove(zk, id));
  }

  async getNodes(now: Date): Promise<NodeRecord[]> {
    return this.guard('list nodes', (zk) => this.nodes.list(zk, now));
  }

  async takeInterruptedRuns(now: Date, limit: number, retention: number): Promise<InterruptedRun[]> {
    return this.guard('take interrupted runs', (zk) => this.runs.takeInterrupted(zk, now, limit, retention));
  }

  async getActiveRuns(): Promise<ActiveRun[]> {
    return this.guard('list active runs', (zk) => this.runs.list(zk));
  }

  async addRun(record: RunRecord, retention: number): Promise<void> {
    await this.addRuns([record], retention);
  }

  /** Writes what it is given at once: one transaction per job (per 200 records), then trims each job's history. */
  async addRuns(records: RunRecord[], retention: number): Promise<void> {
    await this.guard('record runs', (zk) => writeRuns(zk, this.paths, this.folders, records, retention));
  }

  async getRuns(jobId: string, limit: number): Promise<RunRecord[]> {
    if (limit <= 0) return [];
    const texts = await this.guard('read runs', (zk) => readRuns(zk, this.paths, jobId, limit));
    const records: RunRecord[] = [];
    for (const text of texts) {
      try {
        records.push(deserializeRunRecord(text));
      } catch (error) {
        this.logger.error(`A run record of job "${jobId}" cannot be read and was skipped`, error);
      }
    }
    return records;
  }

  /**
   * The write of the job at the version read (`write(version)`), followed by the removal of its
   * lease, or of its index entry: where its document's time says, or, with `search`, wherever it is.
   * Throws `JobLookupError` when the job does not exist.
   */
  private async unindex(
    zk: ZooKeeperConnection,
    id: string,
    write: (version: number) => ZkOp,
    search: boolean,
  ): Promise<ZkOp[]> {
    const [stored, lease] = await Promise.all([zk.read(this.paths.job(id)), zk.read(this.paths.lease(id))]);
    if (stored === null) throw new JobLookupError(id, this.alias);
    const ops = [write(stored.version)];
    if (lease !== null) ops.push({ op: 'remove', path: this.paths.lease(id), version: lease.version });
    else {
      const time = storedTime(stored.data);
      if (time === undefined || search) {
        // The document says nothing of its time, or not where its entry is (edited by hand).
        for (const entry of await findEntries(zk, this.paths, id)) ops.push({ op: 'remove', path: entry });
      } else if (time !== null) ops.push({ op: 'remove', path: this.paths.entry(id, time) });
    }
    return ops;
  }

  /** Writes the schema version into an empty root, or refuses a root laid out by another version. */
  private async checkSchema(zk: ZooKeeperConnection): Promise<void> {
    await zk.create(this.paths.version, String(ZOOKEEPER_SCHEMA_VERSION)).catch((error: unknown) => {
      if (!isZk(error, ZK.NODE_EXISTS)) throw error;
    });
    const { data } = await zk.getData(this.paths.version);
    if (data !== String(ZOOKEEPER_SCHEMA_VERSION)) {
      throw new JobStoreError(
        `ZooKeeper job store "${this.alias}": the znodes under ${this.root} use schema version ${JSON.stringify(
          data,
        )}; this Horae reads version ${ZOOKEEPER_SCHEMA_VERSION}. Use another root path or migrate the data.`,
        { jobStore: this.alias },
      );
    }
  }

  /** A stored job, or `null` (reported, and left in ZooKeeper) when it cannot be read. */
  private decode(id: string, document: string): JobState | null {
    try {
      return deserializeJob(parseDocument(id, document));
    } catch (error) {
      this.reportBad(id, error);
      return null;
    }
  }

  private reportBad(id: string, error: unknown): void {
    this.logger.error(
      `Job "${id}" in ZooKeeper job store "${this.alias}" cannot be read; it is skipped and kept ` +
        `(znode ${this.paths.job(id)}) for you to fix or remove`,
      error,
    );
    this.reportUnreadable?.(id, error);
  }

  private reportBadRun(jobId: string, runId: string, path: string, error: unknown): void {
    this.logger.error(
      `Run "${runId}" of job "${jobId}" in ZooKeeper job store "${this.alias}" cannot be read; it is ` +
        `skipped and kept (znode ${path}) for you to fix or remove`,
      error,
    );
    this.reportUnreadable?.(jobId, error);
  }

  /** Runs `work`, again from a fresh read when it lost a race, and turns driver failures into `JobStoreError`. */
  private async guard<T>(operation: string, work: (zk: ZooKeeperConnection) => Promise<T>): Promise<T> {
    const zk = this.zk;
    if (zk === null) {
      throw new JobStoreError(`ZooKeeper job store "${this.alias}" is not started (${operation})`, {
        jobStore: this.alias,
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await work(zk);
      } catch (error) {
        if (!(error instanceof Conflict) || attempt >= ATTEMPTS) throw this.failure(operation, error);
        this.folders.clear();
      }
    }
  }

  private failure(operation: string, cause: unknown): HoraeError {
    if (cause instanceof HoraeError) return cause;
    return new JobStoreError(
      `ZooKeeper job store "${this.alias}" at ${this.options.hosts}${this.root} failed to ${operation}: ${
        (cause as Error).message
      }`,
      { jobStore: this.alias, cause },
    );
  }
}

/**
 * True when an update or removal failed on the removal of the job's index entry (its second
 * operation): the entry is not where the document's time says, so the next attempt looks for it.
 */
function misplaced(error: unknown): boolean {
  return isZk(error, ZK.NO_NODE, 1);
}
