import type { JobFunction, JobState, RetryPolicy } from '../job-state.js';
import { formatInZone } from '../time/parse.js';
import { offsetAt } from '../time/zone.js';
import { describeTrigger } from '../triggers/describe.js';
import type { Trigger } from '../triggers/trigger.js';
import type { TriggerAlias } from '../triggers/registry.js';
import type { JobHealth } from './health.js';
import type { JobChanges, RescheduleOptions } from './options.js';
import type { PreviewOptions } from './previews.js';

/** What a job handle needs from its scheduler: the job operations, and the zone to print times in. */
export interface JobHandleHost {
  readonly timezone: string;
  modifyJob(id: string, changes: JobChanges, selector: { jobStore?: string }): Promise<Job>;
  rescheduleJob<T extends TriggerAlias | Trigger>(
    id: string,
    trigger: T,
    options?: RescheduleOptions<T>,
  ): Promise<Job>;
  pauseJob(id: string, selector: { jobStore?: string }): Promise<Job>;
  resumeJob(id: string, selector: { jobStore?: string }): Promise<Job | null>;
  removeJob(id: string, selector: { jobStore?: string }): Promise<void>;
  runJob(id: string, selector: { jobStore?: string }): Promise<void>;
  getNextRunTimes(id: string, count: number, options: PreviewOptions): Promise<Date[]>;
  getJobHealth(id: string, selector: { jobStore?: string }): Promise<JobHealth>;
}

/**
 * A handle on one job: a snapshot of its settings as stored, with methods that act on the stored
 * job through its scheduler. After a method resolves, the handle shows the job as it is now.
 */
export class Job {
  id: string;
  name: string;
  func: JobFunction | string;
  trigger: Trigger;
  executor: string;
  args: unknown[];
  misfireGraceTime: number | null;
  coalesce: boolean;
  maxInstances: number;
  /** Seconds a run may take before it is aborted and reported as timed out; `null` = no limit. */
  timeout: number | null;
  /** How a failed run is retried; `null` = not retried. */
  retry: RetryPolicy | null;
  /** Whether a run interrupted by its node's death runs once more on another node. */
  requestsRecovery: boolean;
  /** When the job runs next (jitter included); `null` while paused. */
  nextRunTime: Date | null;
  /** The trigger's fire time behind `nextRunTime` (before jitter); `null` while paused. */
  nextFireTime: Date | null;
  /** Alias of the store the job lives in. */
  jobStore: string;
  /** True until the scheduler starts and stores the job. */
  pending: boolean;

  constructor(
    private readonly scheduler: JobHandleHost,
    state: JobState,
    jobStore: string,
    pending: boolean,
  ) {
    this.id = state.id;
    this.name = state.name;
    this.func = state.func;
    this.trigger = state.trigger;
    this.executor = state.executor;
    this.args = state.args;
    this.misfireGraceTime = state.misfireGraceTime;
    this.coalesce = state.coalesce;
    this.maxInstances = state.maxInstances;
    this.timeout = state.timeout;
    this.retry = state.retry;
    this.requestsRecovery = state.requestsRecovery === true;
    this.nextRunTime = state.nextRunTime;
    this.nextFireTime = state.nextFireTime;
    this.jobStore = jobStore;
    this.pending = pending;
  }

  /** Changes the job's options (see `Scheduler.modifyJob`). */
  async modify(changes: JobChanges): Promise<this> {
    return this.refresh(await this.scheduler.modifyJob(this.id, changes, { jobStore: this.jobStore }));
  }

  /** Gives the job a new trigger and recomputes its next run time (see `Scheduler.rescheduleJob`). */
  async reschedule<T extends TriggerAlias | Trigger>(
    trigger: T,
    options?: Omit<RescheduleOptions<T>, 'jobStore'>,
  ): Promise<this> {
    const selected = { ...options, jobStore: this.jobStore } as RescheduleOptions<T>;
    return this.refresh(await this.scheduler.rescheduleJob(this.id, trigger, selected));
  }

  async pause(): Promise<this> {
    return this.refresh(await this.scheduler.pauseJob(this.id, { jobStore: this.jobStore }));
  }

  /** Resumes the job; resolves to `null` (and removes the job) when its trigger will not fire again. */
  async resume(): Promise<this | null> {
    const job = await this.scheduler.resumeJob(this.id, { jobStore: this.jobStore });
    return job === null ? null : this.refresh(job);
  }

  async remove(): Promise<void> {
    await this.scheduler.removeJob(this.id, { jobStore: this.jobStore });
  }

  /** Runs the job once, now, without touching its schedule (see `Scheduler.runJob`). */
  runNow(): Promise<void> {
    return this.scheduler.runJob(this.id, { jobStore: this.jobStore });
  }

  /**
   * The job's next `count` fire times as stored now, from its next one (a paused job's from now);
   * see `Scheduler.getNextRunTimes`.
   */
  getNextRunTimes(count: number): Promise<Date[]> {
    return this.scheduler.getNextRunTimes(this.id, count, { jobStore: this.jobStore });
  }

  /** The job's last runs, failures and whether a run is overdue (see `Scheduler.getJobHealth`). */
  health(): Promise<JobHealth> {
    return this.scheduler.getJobHealth(this.id, { jobStore: this.jobStore });
  }

  /** The trigger in English, as `describeTrigger` puts it: `'every weekday at 10:30 (Asia/Shanghai)'`. */
  get description(): string {
    return describeTrigger(this.trigger);
  }

  toString(): string {
    if (this.pending) return `${this.name} (trigger: ${this.trigger.toString()}, pending)`;
    const zone = this.scheduler.timezone;
    const next =
      this.nextRunTime === null
        ? 'paused'
        : `next run at: ${formatInZone(this.nextRunTime, zone, offsetAt(zone, this.nextRunTime.getTime()))}`;
    return `${this.name} (trigger: ${this.trigger.toString()}, ${next})`;
  }

  private refresh(job: Job): this {
    this.name = job.name;
    this.func = job.func;
    this.trigger = job.trigger;
    this.executor = job.executor;
    this.args = job.args;
    this.misfireGraceTime = job.misfireGraceTime;
    this.coalesce = job.coalesce;
    this.maxInstances = job.maxInstances;
    this.timeout = job.timeout;
    this.retry = job.retry;
    this.requestsRecovery = job.requestsRecovery;
    this.nextRunTime = job.nextRunTime;
    this.nextFireTime = job.nextFireTime;
    this.pending = job.pending;
    return this;
  }
}
