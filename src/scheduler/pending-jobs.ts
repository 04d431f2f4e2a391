import { ConflictingIdError } from '../errors.js';
import type { JobState } from '../job-state.js';
import type { JobStore } from '../stores/job-store.js';
import type { BuiltJob } from './job-builder.js';

/**
 * Jobs added before `start()`: kept here, in the order they were added, and written to their stores
 * when the scheduler starts (the stores are not open before).
 */
export class PendingJobs {
  private jobs: BuiltJob[] = [];

  /** The pending jobs of store `jobStore` (all when undefined), oldest first. */
  list(jobStore?: string): BuiltJob[] {
    return this.jobs.filter((job) => jobStore === undefined || job.jobStore === jobStore);
  }

  /** Adds a job; one with the same id is replaced when `replaceExisting`, else `ConflictingIdError`. */
  add(built: BuiltJob): void {
    const existing = this.jobs.findIndex((job) => job.state.id === built.state.id);
    if (existing >= 0) {
      if (!built.replaceExisting) throw new ConflictingIdError(built.state.id);
      this.jobs.splice(existing, 1);
    }
    this.jobs.push(built);
  }

  find(id: string, jobStore?: string): BuiltJob | undefined {
    return this.jobs.find(
      (job) => job.state.id === id && (jobStore === undefined || job.jobStore === jobStore),
    );
  }

  /** Gives a pending job its changed state; a `nextRunTime` it now has is kept as given. */
  update(state: JobState): void {
    const entry = this.jobs.find((job) => job.state.id === state.id);
    if (entry === undefined) return;
    entry.state = state;
    if (state.nextRunTime !== null || entry.explicitNextRunTime) entry.explicitNextRunTime = true;
  }

  /** Removes the job `id` (of `jobStore` when given); false when there was none. */
  remove(id: string, jobStore?: string): boolean {
    const before = this.jobs.length;
    this.jobs = this.jobs.filter(
      (job) => !(job.state.id === id && (jobStore ?? job.jobStore) === job.jobStore),
    );
    return this.jobs.length < before;
  }

  /** Removes the pending jobs of `jobStore`, or all of them. */
  removeAll(jobStore?: string): void {
    this.jobs = this.jobs.filter((job) => jobStore !== undefined && job.jobStore !== jobStore);
  }

  /**
   * Writes the pending jobs to their stores at start. Everything that can be checked first is (each
   * job's executor, and that its id is free in its store), so a conflict stores nothing; a store that
   * fails midway keeps the jobs not yet stored pending.
   */
  async storeAll(
    check: (state: JobState) => void,
    lookupStore: (alias: string) => JobStore,
    store: (built: BuiltJob) => Promise<unknown>,
  ): Promise<void> {
    for (const built of this.jobs) {
      check(built.state);
      if (!built.replaceExisting && (await lookupStore(built.jobStore).lookupJob(built.state.id)) !== null) {
        throw new ConflictingIdError(built.state.id);
      }
    }
    const pending = this.jobs;
    this.jobs = [];
    for (let i = 0; i < pending.length; i++) {
      try {
        await store(pending[i] as BuiltJob);
      } catch (error) {
        this.jobs = pending.slice(i);
        throw error;
      }
    }
  }
}
