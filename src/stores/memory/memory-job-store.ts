import { ConflictingIdError, JobLookupError } from '../../errors.js';
import { copyJobState, type JobState } from '../../job-state.js';
import type { JobRelease, JobStore, JobStoreContext, RunRecord } from '../job-store.js';
import { JobHeap, type HeapEntry } from './job-heap.js';

/** Run histories kept for jobs that no longer exist. */
const MAX_ORPHAN_HISTORIES = 1000;

interface Entry extends HeapEntry {
  job: JobState;
  acquiredBy: string | null;
  acquiredUntil: number;
}

/**
 * The default job store: jobs live in this process only. Scheduled jobs sit in a heap keyed by next
 * run time, so adding, removing and finding due jobs cost O(log n); paused jobs and jobs leased to a
 * scheduler are kept out of the heap.
 */
export class MemoryJobStore implements JobStore {
  readonly persistent = false;
  private readonly entries = new Map<string, Entry>();
  private readonly scheduled = new JobHeap<Entry>();
  private readonly leased = new Map<string, Entry>();
  private readonly runs = new Map<string, RunRecord[]>();
  /** Ids with run records whose job is gone, oldest first; bounded so one-shot jobs cannot grow memory forever. */
  private readonly orphanRuns = new Set<string>();

  async start(_context: JobStoreContext): Promise<void> {}

  async shutdown(): Promise<void> {}

  async addJob(job: JobState): Promise<void> {
    if (this.entries.has(job.id)) throw new ConflictingIdError(job.id);
    this.orphanRuns.delete(job.id);
    const entry: Entry = {
      job: copyJobState(job),
      id: job.id,
      time: 0,
      heapIndex: -1,
      acquiredBy: null,
      acquiredUntil: 0,
    };
    this.entries.set(job.id, entry);
    this.place(entry);
  }

  async updateJob(job: JobState): Promise<void> {
    const entry = this.entries.get(job.id);
    if (entry === undefined) throw new JobLookupError(job.id);
    entry.job = copyJobState(job);
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
    return entry === undefined ? null : copyJobState(entry.job);
  }

  async getAllJobs(): Promise<JobState[]> {
    return [...this.entries.values()]
      .map((entry) => entry.job)
      .sort(compareJobs)
      .map(copyJobState);
  }

  async getNextRunTime(): Promise<Date | null> {
    let earliest = this.scheduled.peek()?.time ?? Infinity;
    for (const entry of this.leased.values()) {
      // A lease that ran out makes the job due again at its old time.
      if (entry.job.nextRunTime !== null && entry.acquiredUntil < earliest) {
        earliest = Math.max(entry.acquiredUntil, entry.job.nextRunTime.getTime());
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
      const top = this.scheduled.peek();
      if (top === undefined || top.time > nowMs) break;
      this.scheduled.remove(top);
      top.acquiredBy = schedulerId;
      top.acquiredUntil = nowMs + leaseMs;
      this.leased.set(top.id, top);
      acquired.push(copyJobState(top.job));
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
      entry.job = { ...entry.job, nextRunTime: release.nextRunTime, nextFireTime: release.nextFireTime };
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
    let index = records.length;
    while (index > 0 && (records[index - 1] as RunRecord).scheduledRunTime > record.scheduledRunTime) index--;
    records.splice(index, 0, { ...record });
    if (records.length > retention) records.splice(0, records.length - retention);
  }

  async getRuns(jobId: string, limit: number): Promise<RunRecord[]> {
    const records = this.runs.get(jobId) ?? [];
    return records
      .slice(-limit)
      .reverse()
      .map((record) => ({ ...record }));
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
    const next = entry.job.nextRunTime;
    if (next === null) return;
    entry.time = next.getTime();
    this.scheduled.push(entry);
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
