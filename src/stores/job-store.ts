import type { Clock } from '../clock.js';
import type { JobState } from '../job-state.js';
import type { Logger } from '../logger.js';

/** One finished, failed or missed run of a job, as kept in the run history. */
export interface RunRecord {
  jobId: string;
  /** The run's scheduled time (jitter included). */
  scheduledRunTime: Date;
  /** `null` for a missed run. */
  startedAt: Date | null;
  finishedAt: Date | null;
  /**
   * `interrupted`: the node running it stopped heartbeating before its outcome was stored (killed,
   * cut off); `schedulerId` is then that node's id, and the times are `null` (the run may or may not
   * have started, and may have finished without its record).
   */
  outcome: 'success' | 'error' | 'missed' | 'timeout' | 'interrupted';
  error: { name: string; message: string; stack?: string } | null;
  /** The job's return value when JSON can carry it, else its `String()` form; `null` when none. */
  returnValue: unknown;
  schedulerId: string;
  /**
   * True for a run started by hand (`Scheduler.runJob`, `Job.runNow`) rather than by the job's
   * trigger. Stores give it back as stored; a record written without it (by an older Horae, or by a
   * store that does not keep it) is a scheduled run.
   */
  manual?: boolean;
}

/** What a scheduler hands a job store when it starts it. */
export interface JobStoreContext {
  /** The alias the store is registered under (`'default'`, ...). */
  alias: string;
  clock: Clock;
  logger: Logger;
  /**
   * Called by the store when a stored job cannot be read (it skips the job and keeps it); the
   * scheduler reports it as `EVENT_JOB_UNREADABLE`. Optional, so a store may be used on its own.
   */
  reportUnreadableJob?(jobId: string, error: unknown): void;
  /**
   * Asks the scheduler to check for due jobs now instead of at its next planned wakeup. A store
   * that learns of a change made by another process (a ZooKeeper or etcd watch, say) calls it, so a
   * job added or moved earlier elsewhere runs on time rather than after `maxSleep`. Cheap and safe
   * to call often: calls during a pass in progress fold into one more pass. Optional, so a store
   * may be used on its own; a store must not call it before `start()` or after `shutdown()`.
   */
  wakeup?(): void;
}

/** What a node does in a cluster (`SchedulerOptions.role`). */
export type NodeRole = 'both' | 'scheduler' | 'worker' | 'client';

/** A scheduler process as its heartbeat keeps it in a store (`JobStore.heartbeat`). */
export interface NodeRecord {
  /** The node id (`SchedulerOptions.nodeId`). */
  id: string;
  role: NodeRole;
  hostname: string;
  pid: number;
  /** When the scheduler started. */
  startedAt: Date;
  /** Its last heartbeat. */
  lastHeartbeat: Date;
  /** When it counts as dead unless it beats again: the last heartbeat plus the lease time. */
  expiresAt: Date;
  /** The aliases of the executors it runs jobs on (none for the scheduler and client roles). */
  executors: string[];
}

/**
 * A run kept in the store from the moment a node hands a due job's run times to be executed (or a
 * run is started by hand) until its outcome is stored: one submission of one job, of one or more
 * scheduled run times (a catch-up without `coalesce` has several). While its holder's heartbeat
 * goes on it is that node's; when the holder's lease runs out the run is interrupted
 * (`JobStore.takeInterruptedRuns`). It counts as an instance of its job (`maxInstances`) the whole
 * time, in every node.
 */
export interface ActiveRun {
  /** Unique in the store; made by the node that creates the run. */
  id: string;
  /**
   * The job as it was when the run was made: a worker runs this, so the run still ends as it began
   * when the job is changed or removed meanwhile (a one-shot job leaves the job list when its run is
   * handed over).
   */
  job: JobState;
  /** The run's scheduled times (jitter included), oldest first; at least one. */
  scheduledRunTimes: Date[];
  /** The node holding the run (queued in its executor or running), or `null` while it waits for one. */
  node: string | null;
  /** The end of the holder's lease, extended by its heartbeat; `null` while the run waits. */
  leaseUntil: Date | null;
  /** Started by hand (`Scheduler.runJob`). */
  manual: boolean;
  /** The second run of an interrupted run whose job asked for it (`requestsRecovery`): never recovered again. */
  recovery: boolean;
  /** When the run was made (queued runs are handed out oldest first). */
  createdAt: Date;
}

/** A run taken by `JobStore.takeInterruptedRuns`: as it was, and what the store did with it. */
export interface InterruptedRun extends ActiveRun {
  /** True when the store put the run back for any node to run once more (`requestsRecovery`); false when it deleted it. */
  requeued: boolean;
}

/** What `JobStore.releaseJobs` did with the runs it was given. */
export interface ReleaseResult {
  /**
   * Ids of jobs whose release was ignored because the caller no longer held them (the lease ran out,
   * or a user changed the job): none of their runs was stored, and none may start.
   */
  lost: string[];
  /** Ids of runs not stored because their job already had `job.maxInstances` runs in the store. */
  refused: string[];
}

/** The new schedule of a job whose run was just processed; `nextRunTime: null` with `remove` ends it. */
export interface JobRelease {
  id: string;
  /** The job's next run time and unjittered fire time after this run. */
  nextRunTime: Date | null;
  nextFireTime: Date | null;
  /** True when the trigger is exhausted: the store deletes the job. */
  remove: boolean;
}

/**
 * What `JobStore.queryJobs` selects: a page of the jobs that match, in the store's order (next run
 * time, then id; paused jobs last, by id).
 */
export interface JobStoreQuery {
  /**
   * Words separated by white space; a job matches when each word occurs in its id or in its name,
   * ignoring case: of ASCII letters in every store, of other letters where the store folds them
   * (memory, MySQL; SQLite and PostgreSQL do not). Taken literally: no wildcards. Empty or absent:
   * every job.
   */
  search?: string;
  /** `true`: only paused jobs (`nextRunTime: null`); `false`: only scheduled ones; absent: both. */
  paused?: boolean;
  /** How many matching jobs to pass over first (0 or more). */
  offset: number;
  /** At most this many jobs (0 or more; 0 asks for the total only). */
  limit: number;
}

/** A page of `JobStore.queryJobs`: its jobs and the number of stored jobs that match in all. */
export interface JobStorePage {
  jobs: JobState[];
  total: number;
}

/**
 * The contract of every job store. All methods are async; a store may be shared by several
 * schedulers (processes), so the due-job path works by leases:
 *
 * - `acquireDueJobs` claims, atomically, jobs whose `nextRunTime` is at or before `now` and that no
 *   other scheduler holds: it records `acquiredBy` = the caller and `acquiredUntil` = now + lease.
 *   Two concurrent callers never receive the same job. A lease past its `acquiredUntil` is treated
 *   as free again, so a job held by a scheduler that died is taken over.
 * - While leased, a job is not handed to anyone else. The holder ends the lease with `releaseJobs`,
 *   which stores the next run time (or deletes the job) in the same step. A release by a scheduler
 *   that no longer holds the lease is ignored, so a slow holder cannot overwrite a newer schedule.
 * - `updateJob`, `removeJob`, `lookupJob` and `getAllJobs` ignore leases: user operations always win.
 *   `updateJob` on a leased job ends the lease, so the holder's release of it is ignored.
 * - The runs a release hands on are stored in the same step (`ActiveRun`): held by a node, which
 *   keeps them by its heartbeat until it ends them with `finishRuns`, or waiting for a worker node
 *   (`acquireRuns`). A run whose holder stops beating is taken by `takeInterruptedRuns`. So a run
 *   is in the store from the claim to its outcome, and a node that dies leaves a trace of each.
 * - `maxInstances` is counted in the store: the stored runs of a job, held or waiting, on every node.
 *
 * Jobs are ordered by `nextRunTime` ascending, then by `id`; paused jobs (`nextRunTime: null`) come last.
 */
export interface JobStore {
  /**
   * True when jobs are serialized: the job's `func` must then be a `'module:export'` reference or a
   * registered task name, and its args must be JSON-serializable. The scheduler enforces this at `addJob`.
   */
  readonly persistent: boolean;

  /** Connects and creates what the store needs. Called by the scheduler's `start()` before any other method. */
  start(context: JobStoreContext): Promise<void>;

  /** Releases connections. The store may be started again afterwards. */
  shutdown(): Promise<void>;

  /** Stores a new job. Throws `ConflictingIdError` when the id exists. */
  addJob(job: JobState): Promise<void>;

  /** Replaces a stored job (same id). Throws `JobLookupError` when the id does not exist. */
  updateJob(job: JobState): Promise<void>;

  /** Deletes a job. Throws `JobLookupError` when the id does not exist. */
  removeJob(id: string): Promise<void>;

  /** Deletes every job. */
  removeAllJobs(): Promise<void>;

  /** The job with this id, or `null`. */
  lookupJob(id: string): Promise<JobState | null>;

  /** Every job, ordered as described above. */
  getAllJobs(): Promise<JobState[]>;

  /**
   * Optional: one page of the jobs that match `query` (see `JobStoreQuery`), selected, ordered and
   * counted by the store itself (`WHERE`, `ORDER BY`, `LIMIT`/`OFFSET` and a `COUNT` in the SQL
   * stores), so a page costs about as much with 100,000 jobs as with 100. Like `getAllJobs` it
   * ignores leases and skips (and reports) a job that cannot be read: such a job still counts in
   * `total` and takes its place in the page, which then holds one job less. The page and the total
   * may be read one after the other, so a change made in between can show in one and not the
   * other. The scheduler (`Scheduler.queryJobs`) checks the query before it gets here. A store
   * without it (Redis, etcd, ZooKeeper) is read with `getAllJobs` and paged in memory.
   */
  queryJobs?(query: JobStoreQuery): Promise<JobStorePage>;

  /** The earliest `nextRunTime` of a job that is not paused and not leased to a live holder, or `null`. */
  getNextRunTime(): Promise<Date | null>;

  /**
   * Claims up to `limit` due jobs for `schedulerId` for `leaseMs`, earliest first (see above).
   */
  acquireDueJobs(schedulerId: string, now: Date, leaseMs: number, limit: number): Promise<JobState[]>;

  /**
   * Ends the leases `schedulerId` holds on these jobs, storing each job's new schedule (see above),
   * and stores `runs` (new runs, each with an id not yet stored), all in one atomic step:
   * - a release of a job the caller no longer holds is ignored, and so are the runs of that job
   *   (`lost`): they must not start, since another node may own the job's run times now;
   * - a run is stored only when fewer than `run.job.maxInstances` runs of its job (by id, held or
   *   waiting, from any node) are stored, counting those stored before it in this call; otherwise
   *   it is `refused`. Runs are counted in the order given;
   * - a run of a job not in `releases` (one started by hand) is stored on the count alone.
   * Releases and runs may each be empty.
   */
  releaseJobs(schedulerId: string, releases: JobRelease[], runs?: ActiveRun[]): Promise<ReleaseResult>;

  /**
   * Claims up to `limit` runs that wait for a node (`node: null`) and whose job's executor is one of
   * `executors`, oldest first (`createdAt`, then `id`): each becomes `node`'s until `now + leaseMs`.
   * Two concurrent callers never get the same run.
   */
  acquireRuns(
    node: string,
    executors: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]>;

  /**
   * Ends runs: deletes the stored runs with these ids that `node` holds and stores `records` as
   * `addRuns` does, in one step where the store can. An id `node` does not hold (its lease ran out
   * and another node took the run as interrupted, or it was never stored) is passed over; the
   * records are stored all the same.
   */
  finishRuns(node: string, runIds: string[], records: RunRecord[], retention: number): Promise<void>;

  /**
   * A node's heartbeat, in one step: stores `node` (by id, replacing its last beat) with
   * `lastHeartbeat: now` and `expiresAt: now + leaseMs`; moves the `leaseUntil` of every run `node`
   * holds to `now + leaseMs`; and deletes the nodes that expired before `now - leaseMs`.
   */
  heartbeat(node: NodeRecord, now: Date, leaseMs: number): Promise<void>;

  /** Deletes a node (its scheduler shut down). Its runs, if any were left, stay until their lease ends. */
  removeNode(id: string): Promise<void>;

  /** The nodes whose `expiresAt` is not before `now`, by id. */
  getNodes(now: Date): Promise<NodeRecord[]>;

  /**
   * Takes up to `limit` runs whose holder's lease ended before `now` (`leaseUntil < now`), oldest
   * lease first: each is deleted, or, when its job asks for it (`job.requestsRecovery`) and it is
   * not itself a recovery, put back in the same step to wait for any node (`node: null`,
   * `leaseUntil: null`, `recovery: true`, a new `createdAt: now`). In that same step (so a node
   * killed just after it leaves no interruption unrecorded) it stores the `interrupted` run records
   * of the runs taken, `interruptedRecords(run)` (`stores/active-run.ts`), as `addRuns` does with
   * `retention` (0: none). Returns each run as it was before (its old holder and lease), with
   * `requeued`. Two concurrent callers never take the same run, so each interruption is recorded
   * and reported once.
   */
  takeInterruptedRuns(now: Date, limit: number, retention: number): Promise<InterruptedRun[]>;

  /** Every stored run, held or waiting, oldest first (`createdAt`, then `id`). */
  getActiveRuns(): Promise<ActiveRun[]>;

  /**
   * Records a run. The store keeps at most `retention` records per job id, dropping the oldest
   * (by `scheduledRunTime`). Records outlive their job; a store may bound the records of jobs that no
   * longer exist.
   */
  addRun(record: RunRecord, retention: number): Promise<void>;

  /**
   * Optional: records several runs in one call, with the same effect as `addRun` for each in turn.
   * The scheduler batches the records of runs that finish together and uses this when a store has
   * it. That batch is the only one: a store writes what it is given at once (one statement or
   * script where it can) and resolves when it is stored, never holding records back to batch them
   * with later calls.
   */
  addRuns?(records: RunRecord[], retention: number): Promise<void>;

  /** A job's run records, newest first (by `scheduledRunTime`, then `startedAt`), at most `limit`. */
  getRuns(jobId: string, limit: number): Promise<RunRecord[]>;
}
