import { ConflictingIdError, JobLookupError, LookupError, SerializationError } from '../errors.js';
import {
  EVENT_ALL_JOBS_REMOVED,
  EVENT_JOB_ADDED,
  EVENT_JOB_MODIFIED,
  EVENT_JOB_REMOVED,
  type SchedulerEventUnion,
} from '../events/events.js';
import type { ListenerRegistry } from '../events/listeners.js';
import { copyJobState, type JobState } from '../job-state.js';
import { jitterMs } from '../runs/run-plan.js';
import type { JobStore, RunRecord } from '../stores/job-store.js';
import type { Components } from './components.js';
import { Job, type JobHandleHost } from './job.js';
import { assertStorable, firstRun, type BuiltJob } from './job-builder.js';
import { invalidOption } from './options.js';
import { PendingJobs } from './pending-jobs.js';
import type { SchedulerSettings } from './settings.js';

/** What the job operations read from their scheduler. */
export interface JobsHost {
  /** What the `Job` handles act through: the scheduler. */
  readonly handles: JobHandleHost;
  readonly components: Components;
  readonly listeners: ListenerRegistry;
  settings(): SchedulerSettings;
  /** Whether the scheduler has started (stores open). */
  started(): boolean;
  emit(event: SchedulerEventUnion): void;
  /** A job was stored or changed: make sure the run loop looks at it by `nextRunTime`. */
  /** A job of store `jobStore` was stored with this next run time (`null`: paused). */
  scheduleCheck(nextRunTime: Date | null, jobStore: string): void;
}

/** A job found by id: its state, its store's alias, and whether it is still pending. */
export interface FoundJob {
  state: JobState;
  alias: string;
  pending: boolean;
}

/**
 * The jobs of one scheduler, wherever they are: pending (added before `start()`) or in a store.
 * The scheduler's job methods check their input and call these.
 */
export class Jobs {
  private readonly pending = new PendingJobs();

  constructor(private readonly host: JobsHost) {}

  /** A handle on a job for the scheduler's caller. */
  handle(state: JobState, jobStore: string, pending: boolean): Job {
    return new Job(this.host.handles, state, jobStore, pending);
  }

  /** Adds a built job: pending while stopped (checked now as its store will check it), else stored. */
  async add(built: BuiltJob): Promise<Job> {
    const { host } = this;
    if (!host.started()) {
      assertStorable(built.state, host.components.willPersist(built.jobStore), built.jobStore);
      // The first run is worked out at start; ask the trigger now so one that can never fire
      // (an and-trigger whose parts never agree) fails at addJob, not at start().
      if (!built.explicitNextRunTime) {
        firstRun(built.state.trigger, host.settings().clock.now(), jitterMs, built.triggerOptions);
      }
      this.pending.add(built);
      return this.handle(built.state, built.jobStore, true);
    }
    // The built state is this call's own, so it is stored as it is rather than copied.
    const state = await this.store(built, false);
    return this.handle(state, built.jobStore, false);
  }

  /** Writes the jobs added before start to their stores (see `PendingJobs.storeAll`). */
  storePending(): Promise<void> {
    const { components } = this.host;
    return this.pending.storeAll(
      (state) => components.validateForExecutor(state, true),
      (alias) => components.lookupStore(alias),
      (built) => this.store(built),
    );
  }

  /**
   * Stores a job, computing its first run unless one was given; emits `EVENT_JOB_ADDED`. `copy`
   * when the built state is shared (a pending job's, which its `Job` handle also shows).
   */
  private async store(built: BuiltJob, copy = true): Promise<JobState> {
    const { host } = this;
    const store = host.components.lookupStore(built.jobStore);
    assertStorable(built.state, store.persistent, built.jobStore);
    const state = copy ? copyJobState(built.state) : built.state;
    if (!built.explicitNextRunTime) {
      const first = firstRun(state.trigger, host.settings().clock.now(), jitterMs, built.triggerOptions);
      state.nextRunTime = first.nextRunTime;
      state.nextFireTime = first.nextFireTime;
    }
    try {
      await store.addJob(state);
    } catch (error) {
      if (!(error instanceof ConflictingIdError) || !built.replaceExisting) throw error;
      await store.updateJob(state);
    }
    if (host.listeners.wants(EVENT_JOB_ADDED)) {
      host.emit({ code: EVENT_JOB_ADDED, jobId: state.id, jobStore: built.jobStore });
    }
    host.scheduleCheck(state.nextRunTime, built.jobStore);
    return state;
  }

  /** Finds a job (pending or stored) by id; throws `JobLookupError`. */
  async find(id: string, jobStore?: string): Promise<FoundJob> {
    const pending = this.pending.find(id, jobStore);
    if (pending !== undefined) return { state: pending.state, alias: pending.jobStore, pending: true };
    for (const [alias, store] of this.host.components.stores) {
      if (jobStore !== undefined && alias !== jobStore) continue;
      const state = await store.lookupJob(id);
      if (state !== null) return { state, alias, pending: false };
    }
    throw new JobLookupError(id, jobStore);
  }

  /** A handle on the job with this id (pending or stored), or `null`. */
  async get(id: string, jobStore: string | undefined): Promise<Job | null> {
    try {
      const found = await this.find(id, jobStore);
      return this.handle(copyJobState(found.state), found.alias, found.pending);
    } catch (error) {
      if (error instanceof JobLookupError) return null;
      throw error;
    }
  }

  /**
   * `resumeJob`: the job's next run from its trigger's next fire time; a job whose trigger will not
   * fire again is removed, and `null` returned.
   */
  async resume(id: string, jobStore: string | undefined): Promise<Job | null> {
    const found = await this.find(id, jobStore);
    const state = copyJobState(found.state);
    Object.assign(state, firstRun(state.trigger, this.host.settings().clock.now(), jitterMs));
    if (state.nextRunTime === null) {
      await this.remove(id, found.alias);
      return null;
    }
    return this.save(found, state);
  }

  /** `rescheduleJob`: the job with the trigger of `built`, its next run worked out from it. */
  async reschedule(id: string, jobStore: string | undefined, built: BuiltJob): Promise<Job> {
    const found = await this.find(id, jobStore);
    const state = copyJobState(found.state);
    state.trigger = built.state.trigger;
    const now = this.host.settings().clock.now();
    Object.assign(state, firstRun(state.trigger, now, jitterMs, built.triggerOptions));
    return this.save(found, state);
  }

  /** Saves a found job's changed state; emits `EVENT_JOB_MODIFIED` for a stored one. */
  async save(found: Pick<FoundJob, 'alias' | 'pending'>, state: JobState): Promise<Job> {
    const { host } = this;
    if (found.pending) {
      this.pending.update(state);
      return this.handle(state, found.alias, true);
    }
    const store = host.components.lookupStore(found.alias);
    assertStorable(state, store.persistent, found.alias);
    await store.updateJob(state);
    host.emit({ code: EVENT_JOB_MODIFIED, jobId: state.id, jobStore: found.alias });
    host.scheduleCheck(state.nextRunTime, found.alias);
    return this.handle(state, found.alias, false);
  }

  /** Removes a job, even one its store cannot read; throws `JobLookupError` when there is none. */
  async remove(id: string, jobStore: string | undefined): Promise<void> {
    if (this.pending.remove(id, jobStore)) return;
    for (const [alias, store] of this.host.components.stores) {
      if (jobStore !== undefined && alias !== jobStore) continue;
      try {
        if ((await store.lookupJob(id)) === null) continue;
      } catch (error) {
        if (!(error instanceof SerializationError)) throw error;
      }
      await store.removeJob(id);
      this.host.emit({ code: EVENT_JOB_REMOVED, jobId: id, jobStore: alias });
      return;
    }
    throw new JobLookupError(id, jobStore);
  }

  /** Removes every job, of one store or of all; `LookupError` for an unknown store. */
  async removeAll(jobStore: string | undefined): Promise<void> {
    const { components } = this.host;
    if (jobStore !== undefined && jobStore !== 'default' && !components.hasStore(jobStore)) {
      throw new LookupError('job store', jobStore);
    }
    this.pending.removeAll(jobStore);
    for (const [alias, store] of components.stores) {
      if (jobStore === undefined || alias === jobStore) await store.removeAllJobs();
    }
    this.host.emit({ code: EVENT_ALL_JOBS_REMOVED, jobStore });
  }

  /** Every job (pending ones first), each store's ordered by next run time. */
  async list(jobStore: string | undefined): Promise<Job[]> {
    const jobs = this.pendingJobs(jobStore);
    for (const [alias, store] of this.listedStores(jobStore)) {
      for (const state of await store.getAllJobs()) jobs.push(this.handle(state, alias, false));
    }
    return jobs;
  }

  /**
   * `printJobs`: the pending jobs while stopped, then each listed store's jobs, a line each to `out`
   * (default: standard output); returns the text.
   */
  async print(jobStore: string | undefined, out?: (line: string) => void): Promise<string> {
    if (out !== undefined && typeof out !== 'function') {
      throw invalidOption('out', out, 'a function that takes each line');
    }
    const lines: string[] = [];
    const jobs = await this.list(jobStore);
    if (!this.host.started()) {
      lines.push('Pending jobs:');
      const pending = jobs.filter((job) => job.pending);
      if (pending.length === 0) lines.push('    No pending jobs');
      for (const job of pending) lines.push(`    ${job.toString()}`);
    }
    for (const [alias] of this.listedStores(jobStore)) {
      lines.push(`Jobstore ${alias}:`);
      const stored = jobs.filter((job) => !job.pending && job.jobStore === alias);
      if (stored.length === 0) lines.push('    No scheduled jobs');
      for (const job of stored) lines.push(`    ${job.toString()}`);
    }
    const write = out ?? ((line: string) => process.stdout.write(`${line}\n`));
    for (const line of lines) write(line);
    return lines.join('\n');
  }

  /** The jobs added before `start()` and not yet stored, of one store or all, in the order added. */
  pendingJobs(jobStore: string | undefined): Job[] {
    return this.pending.list(jobStore).map((job) => this.handle(copyJobState(job.state), job.jobStore, true));
  }

  /** The stores jobs are listed from: a persistent one only while started (else it is closed). */
  listedStores(jobStore: string | undefined): [string, JobStore][] {
    const started = this.host.started();
    return [...this.host.components.stores].filter(
      ([alias, store]) => (jobStore === undefined || alias === jobStore) && (started || !store.persistent),
    );
  }

  /** The run history of a job in one store or all, newest first, at most `limit` records. */
  async runs(jobId: string, limit: number, jobStore: string | undefined): Promise<RunRecord[]> {
    const records: RunRecord[] = [];
    for (const [alias, store] of this.host.components.stores) {
      if (jobStore === undefined || alias === jobStore) records.push(...(await store.getRuns(jobId, limit)));
    }
    return records
      .sort((a, b) => b.scheduledRunTime.getTime() - a.scheduledRunTime.getTime())
      .slice(0, limit);
  }
}
