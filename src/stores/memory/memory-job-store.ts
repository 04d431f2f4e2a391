import { ConflictingIdError, JobLookupError } from '../../errors.js';
import type { JobState } from '../../job-state.js';
import { matchesJobQuery, searchWords } from '../job-query.js';
import { compareIds, compareJobs } from '../job-order.js';
import { TimedRunRecord } from '../run-record.js';
import { copyActiveRun, copyNode, interruptedRecords } from '../active-run.js';
import type {
  ActiveRun,
  InterruptedRun,
  JobRelease,
  JobStore,
  JobStoreContext,
  JobStorePage,
  JobStoreQuery,
  NodeRecord,
  ReleaseResult,
  RunRecord,
} from '../job-store.js';
import { TimeQueue, type QueueEntry } from './time-queue.js';

/** Run histories kept for jobs that no longer exist. */
const MAX_ORPHAN_HISTORIES = 1000;
/** How many of the newest orphan histories a record of a gone job looks through for its own. */
const ORPHAN_LOOKBACK = 8;

interface Entry extends QueueEntry {
  /**
   * The stored job without its run times: `nextRunTime` and `nextFireTime` are `null` here and kept
   * as numbers instead (`time`, `fireOffset`), so a waiting job holds no `Date` objects.
   */
  job: JobState;
  /** `nextRunTime` in epoch ms, or `NaN` while paused. */
  time: number;
  /** `nextFireTime` as ms from `nextRunTime` (0 without jitter), or `null` when there is none. */
  fireOffset: number | null;
  /** The scheduler holding the lease, or `null`. */
  acquiredBy: string | null;
  /** The claim that leased the job, while it is leased. */
  lease: Lease | null;
  /** The job's run records, oldest first, or `null` before its first. */
  runs: StoredRun[] | null;
}

/**
 * The jobs of one `acquireDueJobs` call, leased together until `until`. A job leaves its lease when
 * it is released, changed or removed (its `lease` is then no longer this one); the lease is done
 * when none is left. One object per claim instead of a queue entry per job: a due job costs no
 * queue work to lease and release.
 */
class Lease {
  /** Jobs still leased by this claim. */
  live: number;
  constructor(
    readonly until: number,
    readonly entries: Entry[],
  ) {
    this.live = entries.length;
  }
}

/** Run records of a job that no longer exists (see `MemoryJobStore.orphans`). */
class OrphanHistory {
  constructor(
    readonly jobId: string,
    readonly runs: StoredRun[],
  ) {}
}

/** Shared by every stored job without arguments; never handed out (copies get their own array). */
const NO_ARGS: unknown[] = Object.freeze([]) as unknown as unknown[];

/** The job as an entry keeps it: its own args array, run times left out (see `Entry`). */
function storedCopy(job: JobState, id: string): JobState {
  return {
    ...job,
    id,
    args: job.args.length === 0 ? NO_ARGS : [...job.args],
    nextRunTime: null,
    nextFireTime: null,
  };
}

/** The store's order (`compareJobs`) on entries: next run time, then id; paused (`NaN`) last. */
function compareEntries(a: Entry, b: Entry): number {
  const at = Number.isNaN(a.time) ? Infinity : a.time;
  const bt = Number.isNaN(b.time) ? Infinity : b.time;
  return at !== bt ? (at < bt ? -1 : 1) : compareIds(a.id, b.id);
}

/** A copy of the entry's job, with its run times, that shares nothing mutable with the store. */
function loadJob(entry: Entry): JobState {
  const { job, time, fireOffset } = entry;
  const nextRunTime = Number.isNaN(time) ? null : new Date(time);
  return {
    ...job,
    args: job.args.length === 0 ? [] : [...job.args],
    nextRunTime,
    // Without jitter both are the same instant, and nothing writes to a job's dates: one object.
    nextFireTime:
      nextRunTime === null || fireOffset === null
        ? null
        : fireOffset === 0
          ? nextRunTime
          : new Date(time + fireOffset),
  };
}

/** Sets the entry's run times from a job's. */
function setTimes(entry: Entry, nextRunTime: Date | null, nextFireTime: Date | null): void {
  if (nextRunTime === null) {
    entry.time = NaN;
    entry.fireOffset = null;
    return;
  }
  entry.time = nextRunTime.getTime();
  entry.fireOffset = nextFireTime === null ? null : nextFireTime.getTime() - entry.time;
}

/**
 * A copy of `id` that is one flat string. `crypto.randomUUID()` builds its result by concatenation,
 * a rope of some 15 heap objects (~450 bytes) that a Map key would keep alive for the job's life;
 * reading a character flattens it in place, leaving ~60 bytes.
 */
function flatId(id: string): string {
  id.charCodeAt(0);
  return id;
}

/** The order waiting runs are handed out in: creation time, then id. */
function compareRuns(a: ActiveRun, b: ActiveRun): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || compareIds(a.id, b.id);
}

/** A run record as the store keeps it: the record itself, its times as numbers (`NaN` for none). */
type StoredRun = TimedRunRecord;

/** The contract's order of run records: by scheduled time, then start time (a missed run has none). */
function runAfter(a: StoredRun, b: StoredRun): boolean {
  if (a.scheduledMs !== b.scheduledMs) return a.scheduledMs > b.scheduledMs;
  return (
    (Number.isNaN(a.startedMs) ? -Infinity : a.startedMs) >
    (Number.isNaN(b.startedMs) ? -Infinity : b.startedMs)
  );
}

function loadRun(jobId: string, run: StoredRun): RunRecord {
  return {
    jobId,
    scheduledRunTime: new Date(run.scheduledMs),
    startedAt: Number.isNaN(run.startedMs) ? null : new Date(run.startedMs),
    finishedAt: Number.isNaN(run.finishedMs) ? null : new Date(run.finishedMs),
    outcome: run.outcome,
    error: run.error,
    returnValue: run.returnValue,
    schedulerId: run.schedulerId,
    manual: run.manual,
  };
}

/**
 * The default job store: jobs live in this process only. Scheduled jobs wait in a queue of time
 * buckets (see `TimeQueue`), so adding and removing a job and claiming a due one cost O(1) amortized
 * when many share a millisecond, and O(log B) for B distinct times otherwise. Leased jobs are held
 * by their claim (`Lease`) until released or until the lease ends; paused jobs are in neither.
 */
export class MemoryJobStore implements JobStore {
  readonly persistent: boolean = false;
  private readonly entries = new Map<string, Entry>();
  /** Unleased jobs with a next run time, by that time, then id. */
  private readonly scheduled = new TimeQueue<Entry>();
  /**
   * Claims with jobs still leased: each is due again when its lease ends, should its holder not
   * release it (a job is leased only once due, so its own time is never later than that). Few at a
   * time: one per batch of due jobs not yet released.
   */
  private leases: Lease[] = [];
  /**
   * The run histories of jobs that are gone (a live job keeps its own, `Entry.runs`): a ring of the
   * newest `MAX_ORPHAN_HISTORIES`, so one-shot jobs cannot grow memory forever. A ring and not a map
   * by id: every one-shot job passes through here, and a long-lived map with an insert and a delete
   * per job rehashes into old-generation tables, which at 50,000 runs a second left some 40 MB of
   * garbage behind. `getRuns` of a gone job looks through the ring (1,000 slots, and rare).
   */
  private readonly orphans: (OrphanHistory | undefined)[] = new Array<OrphanHistory | undefined>(
    MAX_ORPHAN_HISTORIES,
  ).fill(undefined);
  /** The slot the next orphan history goes to (the oldest one). */
  private orphanNext = 0;
  /**
   * Runs in progress (`ActiveRun`), by id, in the order they were stored. This map and the next are
   * replaced by new ones whenever they empty (as `RunQueue` does with its own count): every run
   * passes through them, and a long-lived map with an insert and a delete per run rehashes into
   * old-generation tables, dragging each run along into a costly collection.
   */
  private runs = new Map<string, ActiveRun>();
  /** Stored runs per job id (`maxInstances`), for jobs with at least one. */
  private instances = new Map<string, number>();
  /** Nodes by id, as their last heartbeat left them. */
  private readonly nodes = new Map<string, NodeRecord>();

  async start(_context: JobStoreContext): Promise<void> {}

  async shutdown(): Promise<void> {}

  async addJob(job: JobState): Promise<void> {
    const id = flatId(job.id);
    if (this.entries.has(id)) throw new ConflictingIdError(id);
    const entry: Entry = {
      job: storedCopy(job, id),
      id,
      time: NaN,
      fireOffset: null,
      bucket: null,
      slot: -1,
      acquiredBy: null,
      lease: null,
      runs: null,
    };
    setTimes(entry, job.nextRunTime, job.nextFireTime);
    this.entries.set(id, entry);
    this.place(entry);
  }

  async updateJob(job: JobState): Promise<void> {
    const entry = this.entries.get(job.id);
    if (entry === undefined) throw new JobLookupError(job.id);
    // Out of its queue first: which queue holds it depends on the lease, which ends here.
    this.unqueue(entry);
    entry.job = storedCopy(job, entry.id);
    setTimes(entry, job.nextRunTime, job.nextFireTime);
    // A user's change wins over a lease in progress: the holder's later release is ignored.
    this.place(entry);
  }

  async removeJob(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new JobLookupError(id);
    this.drop(entry);
  }

  async removeAllJobs(): Promise<void> {
    for (const entry of this.entries.values()) this.orphan(entry);
    this.entries.clear();
    this.scheduled.clear();
    this.leases = [];
  }

  async lookupJob(id: string): Promise<JobState | null> {
    const entry = this.entries.get(id);
    return entry === undefined ? null : loadJob(entry);
  }

  async getAllJobs(): Promise<JobState[]> {
    return [...this.entries.values()].map(loadJob).sort(compareJobs);
  }

  /** Filters the entries, then sorts only the matching ones and copies only the page. */
  async queryJobs(query: JobStoreQuery): Promise<JobStorePage> {
    const words = searchWords(query.search);
    const matching: Entry[] = [];
    for (const entry of this.entries.values()) {
      if (matchesJobQuery(entry.job, Number.isNaN(entry.time), words, query.paused)) matching.push(entry);
    }
    matching.sort(compareEntries);
    const page = matching.slice(query.offset, query.offset + query.limit);
    return { jobs: page.map(loadJob), total: matching.length };
  }

  async getNextRunTime(): Promise<Date | null> {
    // A lease that runs out makes its job due again (its own time having passed).
    let earliest = this.scheduled.earliest();
    for (const lease of this.leases) if (lease.until < earliest) earliest = lease.until;
    return earliest === Infinity ? null : new Date(earliest);
  }

  async acquireDueJobs(schedulerId: string, now: Date, leaseMs: number, limit: number): Promise<JobState[]> {
    const nowMs = now.getTime();
    this.endLeases(nowMs);
    const claimed: Entry[] = [];
    const acquired: JobState[] = [];
    while (acquired.length < limit) {
      const entry = this.scheduled.popDue(nowMs);
      if (entry === undefined) break;
      entry.acquiredBy = schedulerId;
      claimed.push(entry);
      acquired.push(loadJob(entry));
    }
    if (claimed.length === 0) return acquired;
    // Never below 0, so a lease never ends before its job's time (`getNextRunTime` relies on it);
    // the scheduler's leases are positive anyway.
    const lease = new Lease(nowMs + (leaseMs > 0 ? leaseMs : 0), claimed);
    for (const entry of claimed) entry.lease = lease;
    this.leases.push(lease);
    return acquired;
  }

  async releaseJobs(schedulerId: string, releases: JobRelease[], runs?: ActiveRun[]): Promise<ReleaseResult> {
    let lost: string[] | null = null;
    for (const release of releases) {
      const entry = this.entries.get(release.id);
      if (entry === undefined || entry.acquiredBy !== schedulerId) {
        (lost ??= []).push(release.id);
        continue;
      }
      this.unlease(entry);
      if (release.remove) {
        this.drop(entry);
        continue;
      }
      setTimes(entry, release.nextRunTime, release.nextFireTime);
      this.place(entry);
    }
    const refused: string[] = [];
    if (runs !== undefined) {
      const skip = lost === null ? null : new Set(lost);
      for (const run of runs) {
        const jobId = run.job.id;
        if (skip?.has(jobId) === true) continue;
        const count = this.instances.get(jobId) ?? 0;
        if (count >= run.job.maxInstances) {
          refused.push(run.id);
          continue;
        }
        this.instances.set(jobId, count + 1);
        // Kept as given, not copied: the scheduler makes a new run object for each run and never
        // changes it, and this store's own changes (`acquireRuns`, `takeInterruptedRuns`) replace
        // its dates rather than change them. Copies go out.
        this.runs.set(run.id, run);
      }
    }
    return { lost: lost ?? [], refused };
  }

  async acquireRuns(
    node: string,
    executors: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]> {
    const waiting: ActiveRun[] = [];
    for (const run of this.runs.values()) {
      if (run.node === null && executors.includes(run.job.executor)) waiting.push(run);
    }
    waiting.sort(compareRuns);
    const taken = waiting.slice(0, Math.max(0, limit));
    const leaseUntil = new Date(now.getTime() + leaseMs);
    for (const run of taken) this.runs.set(run.id, { ...run, node, leaseUntil });
    return taken.map((run) => copyActiveRun(run, { node, leaseUntil: new Date(leaseUntil.getTime()) }));
  }

  async finishRuns(node: string, runIds: string[], records: RunRecord[], retention: number): Promise<void> {
    for (const id of runIds) {
      const run = this.runs.get(id);
      if (run?.node === node) this.forgetRun(run);
    }
    for (const record of records) this.recordRun(record, retention);
  }

  async heartbeat(node: NodeRecord, now: Date, leaseMs: number): Promise<void> {
    const nowMs = now.getTime();
    const beat = copyNode(node);
    beat.lastHeartbeat = new Date(nowMs);
    beat.expiresAt = new Date(nowMs + leaseMs);
    this.nodes.set(node.id, beat);
    const leaseUntil = new Date(nowMs + leaseMs);
    for (const run of this.runs.values()) {
      if (run.node === node.id) this.runs.set(run.id, { ...run, leaseUntil });
    }
    for (const [id, other] of this.nodes) {
      if (other.expiresAt.getTime() < nowMs - leaseMs) this.nodes.delete(id);
    }
  }

  async removeNode(id: string): Promise<void> {
    this.nodes.delete(id);
  }

  async getNodes(now: Date): Promise<NodeRecord[]> {
    const nowMs = now.getTime();
    return [...this.nodes.values()]
      .filter((node) => node.expiresAt.getTime() >= nowMs)
      .sort((a, b) => compareIds(a.id, b.id))
      .map(copyNode);
  }

  async takeInterruptedRuns(now: Date, limit: number, retention: number): Promise<InterruptedRun[]> {
    const nowMs = now.getTime();
    const ended: ActiveRun[] = [];
    for (const run of this.runs.values()) {
      if (run.node !== null && run.leaseUntil !== null && run.leaseUntil.getTime() < nowMs) ended.push(run);
    }
    ended.sort(
      (a, b) => (a.leaseUntil as Date).getTime() - (b.leaseUntil as Date).getTime() || compareIds(a.id, b.id),
    );
    const taken: InterruptedRun[] = [];
    for (const run of ended.slice(0, Math.max(0, limit))) {
      const requeued = run.job.requestsRecovery === true && !run.recovery;
      taken.push({ ...copyActiveRun(run), requeued });
      if (retention > 0) for (const record of interruptedRecords(run)) this.recordRun(record, retention);
      if (requeued) {
        // Out and back in: a run put back waits in order of its new creation time.
        this.runs.delete(run.id);
        this.runs.set(run.id, {
          ...run,
          node: null,
          leaseUntil: null,
          recovery: true,
          createdAt: new Date(nowMs),
        });
      } else {
        this.forgetRun(run);
      }
    }
    return taken;
  }

  async getActiveRuns(): Promise<ActiveRun[]> {
    return [...this.runs.values()].sort(compareRuns).map((run) => copyActiveRun(run));
  }

  /** Deletes a stored run and its instance. */
  private forgetRun(run: ActiveRun): void {
    if (this.runs.size === 1 && this.runs.has(run.id)) this.runs = new Map();
    else this.runs.delete(run.id);
    const jobId = run.job.id;
    const count = (this.instances.get(jobId) ?? 1) - 1;
    if (count > 0) this.instances.set(jobId, count);
    else if (this.instances.size === 1) this.instances = new Map();
    else this.instances.delete(jobId);
  }

  async addRun(record: RunRecord, retention: number): Promise<void> {
    this.recordRun(record, retention);
  }

  async addRuns(records: RunRecord[], retention: number): Promise<void> {
    for (const record of records) this.recordRun(record, retention);
  }

  /**
   * Newest first. A job added again under the id of a gone one also shows the gone one's records
   * while the ring keeps them.
   */
  async getRuns(jobId: string, limit: number): Promise<RunRecord[]> {
    let records = this.entries.get(jobId)?.runs ?? [];
    let merged = false;
    for (const history of this.orphans) {
      if (history?.jobId !== jobId) continue;
      records = [...records, ...history.runs];
      merged = true;
    }
    if (merged) records.sort((a, b) => (runAfter(a, b) ? 1 : runAfter(b, a) ? -1 : 0));
    const out: RunRecord[] = [];
    for (let i = records.length - 1; i >= 0 && out.length < limit; i--) {
      out.push(loadRun(jobId, records[i] as StoredRun));
    }
    return out;
  }

  /** `addRun` and `addRuns`, one record: inserted in order, the oldest dropped beyond `retention`. */
  private recordRun(record: RunRecord, retention: number): void {
    const entry = this.entries.get(record.jobId);
    let records: StoredRun[];
    if (entry !== undefined) {
      records = entry.runs ??= [];
    } else {
      // A gone job: its history is one of the newest in the ring, or a new one (one-shot jobs are
      // released before their run's record arrives).
      records = this.orphanRuns(record.jobId);
    }
    const stored = TimedRunRecord.of(record);
    let index = records.length;
    while (index > 0 && runAfter(records[index - 1] as StoredRun, stored)) index--;
    if (index === records.length) records.push(stored);
    else records.splice(index, 0, stored);
    // One over (the usual case): `shift` moves the ten or so records in place, where `splice` would
    // also make an array of the one it removes, for every run.
    if (records.length === retention + 1) records.shift();
    else if (records.length > retention) records.splice(0, records.length - retention);
  }

  /** The run records of the gone job `jobId`: its history among the newest in the ring, or a new one. */
  private orphanRuns(jobId: string): StoredRun[] {
    const size = MAX_ORPHAN_HISTORIES;
    for (let back = 1; back <= ORPHAN_LOOKBACK; back++) {
      const history = this.orphans[(this.orphanNext - back + size) % size];
      if (history === undefined) break;
      if (history.jobId === jobId) return history.runs;
    }
    // Made by a builtin, not a literal: V8 decides per array or object literal whether to allocate
    // its objects straight in the old generation, and a literal here, whose arrays stay alive while
    // their history is among the newest 1,000, was sometimes judged long-lived. Every one-shot
    // job's history was then born old: 30 MB more at the peak of 100,000 runs.
    const runs = Array.of<StoredRun>();
    this.keepOrphan(new OrphanHistory(jobId, runs));
    return runs;
  }

  /** Moves a dropped job's run records to the ring of gone jobs' histories. */
  private orphan(entry: Entry): void {
    if (entry.runs !== null && entry.runs.length > 0)
      this.keepOrphan(new OrphanHistory(entry.id, entry.runs));
  }

  /** Puts a history in the ring, in place of the oldest. */
  private keepOrphan(history: OrphanHistory): void {
    this.orphans[this.orphanNext] = history;
    this.orphanNext = (this.orphanNext + 1) % MAX_ORPHAN_HISTORIES;
  }

  /** Queues an unleased entry by its next run time, unless it is paused. */
  private place(entry: Entry): void {
    if (!Number.isNaN(entry.time)) this.scheduled.push(entry, entry.time);
  }

  /** Takes an entry out of its lease, or out of the queue of scheduled jobs. */
  private unqueue(entry: Entry): void {
    if (entry.lease !== null) this.unlease(entry);
    else this.scheduled.remove(entry);
  }

  /** Ends the entry's lease (it must have one). */
  private unlease(entry: Entry): void {
    const lease = entry.lease as Lease;
    entry.lease = null;
    entry.acquiredBy = null;
    if (--lease.live > 0) return;
    const leases = this.leases;
    const index = leases.indexOf(lease);
    if (index === leases.length - 1) leases.pop();
    else leases.splice(index, 1);
  }

  /** Makes the jobs of leases that ended by `now` due again. */
  private endLeases(now: number): void {
    if (this.leases.length === 0) return;
    let kept: Lease[] | null = null;
    for (let i = 0; i < this.leases.length; i++) {
      const lease = this.leases[i] as Lease;
      if (lease.until > now) {
        kept?.push(lease);
        continue;
      }
      kept ??= this.leases.slice(0, i);
      for (const entry of lease.entries) {
        if (entry.lease !== lease) continue;
        entry.lease = null;
        entry.acquiredBy = null;
        this.place(entry);
      }
    }
    if (kept !== null) this.leases = kept;
  }

  private drop(entry: Entry): void {
    this.entries.delete(entry.id);
    this.unqueue(entry);
    this.orphan(entry);
  }
}
