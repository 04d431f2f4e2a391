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
  outcome: 'success' | 'error' | 'missed' | 'timeout';
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

  /** Ends the leases `schedulerId` holds on these jobs, storing each job's new schedule (see above). */
  releaseJobs(schedulerId: string, releases: JobRelease[]): Promise<void>;

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
