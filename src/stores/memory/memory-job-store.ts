import { ConflictingIdError, JobLookupError } from '../../errors.js';
import type { JobState } from '../../job-state.js';
import type { JobRelease, JobStore, JobStoreContext, RunRecord } from '../job-store.js';
import { JobHeap, tieKey, type HeapEntry } from './job-heap.js';

/** Run histories kept for jobs that no longer exist. */
const MAX_ORPHAN_HISTORIES = 1000;

interface Entry extends HeapEntry {
  /**
   * The stored job without its run times: `nextRunTime` and `nextFireTime` are `null` here and kept
   * as numbers instead (`time`, `fireOffset`), so a waiting job holds no `Date` objects.
   */
  job: JobState;
  /** `nextRunTime` in epoch ms, or `NaN` while paused. */
  time: number;
  /** `nextFireTime` as ms from `nextRunTime` (0 without jitter), or `null` when there is none. */
  fireOffset: number | null;
  acquiredBy: string | null;
  acquiredUntil: number;
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

/** A copy of the entry's job, with its run times, that shares nothing mutable with the store. */
function loadJob(entry: Entry): JobState {
  const { job, time, fireOffset } = entry;
  const paused = Number.isNaN(time);
  return {
    ...job,
    args: job.args.length === 0 ? [] : [...job.args],
    nextRunTime: paused ? null : new Date(time),
    nextFireTime: paused || fireOffset === null ? null : new Date(time + fireOffset),
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

/**
 * A run record as the store keeps it: its times as numbers (`NaN` for none), so a record held in
 * the history is one object rather than four.
 */
interface StoredRun {
  scheduled: number;
  started: number;
  finished: number;
  outcome: RunRecord['outcome'];
  error: RunRecord['error'];
  returnValue: unknown;
  schedulerId: string;
}

/** The contract's order of run records: by scheduled time, then start time (a missed run has none). */
function runAfter(a: StoredRun, b: StoredRun): boolean {
  if (a.scheduled !== b.scheduled) return a.scheduled > b.scheduled;
  return (
    (Number.isNaN(a.started) ? -Infinity : a.started) > (Number.isNaN(b.started) ? -Infinity : b.started)
  );
}

function storeRun(record: RunRecord): StoredRun {
  return {
    scheduled: record.scheduledRunTime.getTime(),
    started: record.startedAt === null ? NaN : record.startedAt.getTime(),
    finished: record.finishedAt === null ? NaN : record.finishedAt.getTime(),
    outcome: record.outcome,
    error: record.error,
    returnValue: record.returnValue,
    schedulerId: record.schedulerId,
  };
}

function loadRun(jobId: string, run: StoredRun): RunRecord {
  return {
    jobId,
    scheduledRunTime: new Date(run.scheduled),
    startedAt: Number.isNaN(run.started) ? null : new Date(run.started),
    finishedAt: Number.isNaN(run.finished) ? null : new Date(run.finished),
    outcome: run.outcome,
    error: run.error,
    returnValue: run.returnValue,
    schedulerId: run.schedulerId,
  };
}

/**
 * The default job store: jobs live in this process only. Scheduled jobs sit in a heap keyed by next
 * run time, so adding, removing and finding due jobs cost O(log n); paused jobs and jobs leased to a
 * scheduler are kept out of the heap.
 */
export class MemoryJobStore implements JobStore {
  readonly persistent: boolean = false;
  private readonly entries = new Map<string, Entry>();
  private readonly scheduled = new JobHeap<Entry>();
  private readonly leased = new Map<string, Entry>();
  /** Run histories by job id, oldest first. */
  private readonly runs = new Map<string, StoredRun[]>();
  /** Ids with run records whose job is gone, oldest first; bounded so one-shot jobs cannot grow memory forever. */
  private readonly orphanRuns = new Set<string>();

  async start(_context: JobStoreContext): Promise<void> {}

  async shutdown(): Promise<void> {}

  async addJob(job: JobState): Promise<void> {
    const id = flatId(job.id);
    if (this.entries.has(id)) throw new ConflictingIdError(id);
    if (this.orphanRuns.size > 0) this.orphanRuns.delete(id);
    const entry: Entry = {
      job: storedCopy(job, id),
      id,
      tie: tieKey(id),
      time: NaN,
      fireOffset: null,
      heapIndex: -1,
      acquiredBy: null,
      acquiredUntil: 0,
    };
    setTimes(entry, job.nextRunTime, job.nextFireTime);
    this.entries.set(id, entry);
    this.place(entry);
  }

  async updateJob(job: JobState): Promise<void> {
    const entry = this.entries.get(job.id);
    if (entry === undefined) throw new JobLookupError(job.id);
    entry.job = storedCopy(job, entry.id);
    setTimes(entry, job.nextRunTime, job.nextFireTime);
    // A user's change wins over a lease in progress: the holder's later release is ignored.
    this.leased.delete(entry.id);
    entry.acquiredBy = null;
    this.scheduled.remove(entry);
    this.place(entry);
  }

  async removeJob(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new JobLookupError(id);
    this.drop(entry);
  }

  async removeAllJobs(): Promise<void> {
    for (const id of this.entries.keys()) if (this.runs.has(id)) this.markOrphan(id);
    this.entries.clear();
    this.scheduled.clear();
    this.leased.clear();
  }

  async lookupJob(id: string): Promise<JobState | null> {
    const entry = this.entries.get(id);
    return entry === undefined ? null : loadJob(entry);
  }

  async getAllJobs(): Promise<JobState[]> {
    return [...this.entries.values()].map(loadJob).sort(compareJobs);
  }

  async getNextRunTime(): Promise<Date | null> {
    let earliest = this.scheduled.peek()?.time ?? Infinity;
    for (const entry of this.leased.values()) {
      // A lease that ran out makes the job due again at its old time.
      if (!Number.isNaN(entry.time) && entry.acquiredUntil < earliest) {
        earliest = Math.max(entry.acquiredUntil, entry.time);
      }
    }
    return earliest === Infinity ? null : new Date(earliest);
  }

  async acquireDueJobs(schedulerId: string, now: Date, leaseMs: number, limit: number): Promise<JobState[]> {
    const nowMs = now.getTime();
    const acquired: JobState[] = [];
    for (const entry of this.leased.values()) {
      if (entry.acquiredUntil <= nowMs) {
        this.leased.delete(entry.id);
        entry.acquiredBy = null;
        this.place(entry);
      }
    }
    while (acquired.length < limit) {
      const next = this.scheduled.peek();
      if (next === undefined || next.time > nowMs) break;
      const top = this.scheduled.pop() as Entry;
      top.acquiredBy = schedulerId;
      top.acquiredUntil = nowMs + leaseMs;
      this.leased.set(top.id, top);
      acquired.push(loadJob(top));
    }
    return acquired;
  }

  async releaseJobs(schedulerId: string, releases: JobRelease[]): Promise<void> {
    for (const release of releases) {
      const entry = this.entries.get(release.id);
      if (entry === undefined || entry.acquiredBy !== schedulerId) continue;
      this.leased.delete(entry.id);
      entry.acquiredBy = null;
      if (release.remove) {
        this.drop(entry);
        continue;
      }
      setTimes(entry, release.nextRunTime, release.nextFireTime);
      this.place(entry);
    }
  }

  async addRun(record: RunRecord, retention: number): Promise<void> {
    let records = this.runs.get(record.jobId);
    if (records === undefined) {
      records = [];
      this.runs.set(record.jobId, records);
      if (!this.entries.has(record.jobId)) this.markOrphan(record.jobId);
    }
    const stored = storeRun(record);
    let index = records.length;
    while (index > 0 && runAfter(records[index - 1] as StoredRun, stored)) index--;
    if (index === records.length) records.push(stored);
    else records.splice(index, 0, stored);
    if (records.length > retention) records.splice(0, records.length - retention);
  }

  async getRuns(jobId: string, limit: number): Promise<RunRecord[]> {
    const records = this.runs.get(jobId) ?? [];
    const out: RunRecord[] = [];
    for (let i = records.length - 1; i >= 0 && out.length < limit; i--) {
      out.push(loadRun(jobId, records[i] as StoredRun));
    }
    return out;
  }

  private markOrphan(jobId: string): void {
    this.orphanRuns.add(jobId);
    if (this.orphanRuns.size > MAX_ORPHAN_HISTORIES) {
      const oldest = this.orphanRuns.values().next().value as string;
      this.orphanRuns.delete(oldest);
      this.runs.delete(oldest);
    }
  }

  /** Puts an unleased entry in the heap when it has a next run time. */
  private place(entry: Entry): void {
    if (!Number.isNaN(entry.time)) this.scheduled.push(entry);
  }

  private drop(entry: Entry): void {
    this.entries.delete(entry.id);
    this.scheduled.remove(entry);
    this.leased.delete(entry.id);
    if (this.runs.has(entry.id)) this.markOrphan(entry.id);
  }
}

/** The store order: next run time ascending, then id; paused jobs last. */
export function compareJobs(a: JobState, b: JobState): number {
  const at = a.nextRunTime?.getTime() ?? Infinity;
  const bt = b.nextRunTime?.getTime() ?? Infinity;
  if (at !== bt) return at < bt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
