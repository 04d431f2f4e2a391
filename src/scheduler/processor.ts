import type { Clock, TimerHandle } from '../clock.js';
import { LookupError, MaxInstancesReachedError, SerializationError } from '../errors.js';
import {
  EVENT_JOBSTORE_ERROR,
  EVENT_JOB_ERROR,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  EVENT_JOB_REMOVED,
  EVENT_JOB_SUBMITTED,
  type JobExecutionEvent,
  type SchedulerEventUnion,
} from '../events/events.js';
import type { ListenerRegistry } from '../events/listeners.js';
import type { Executor, JobSubmission } from '../executors/executor.js';
import type { JobFunction, JobState } from '../job-state.js';
import type { Logger } from '../logger.js';
import type { JobRelease, JobStore, RunRecord } from '../stores/job-store.js';
import { durationInWords } from './duration-words.js';
import { jitterMs, planRuns, type RunPlan } from './run-plan.js';
import { toRunRecord } from '../runs/run-record.js';

/** How many due jobs one store hands over per round trip. */
const ACQUIRE_BATCH = 1000;
/** Backoff for a failing store: the first retry after this, doubling up to `STORE_RETRY_MAX_MS`. */
const STORE_RETRY_MIN_MS = 1000;
const STORE_RETRY_MAX_MS = 60_000;
/** A timer that fires this little before its time is waited out without a pass (see `timerFired`). */
const EARLY_SPIN_MS = 2;
/** Run records kept per store while it cannot take them; past this the oldest are dropped. */
const MAX_KEPT_RUNS = 10_000;

/** What the processor reads from its scheduler. Settings are read per pass, so `configure` applies. */
export interface ProcessorHost {
  isRunning(): boolean;
  readonly stores: ReadonlyMap<string, JobStore>;
  readonly executors: ReadonlyMap<string, Executor>;
  readonly listeners: ListenerRegistry;
  settings(): ProcessorSettings;
  emit(event: SchedulerEventUnion): void;
  resolveFunction(func: JobFunction | string): JobFunction | Promise<JobFunction>;
}

export interface ProcessorSettings {
  clock: Clock;
  logger: Logger;
  schedulerId: string;
  leaseMs: number;
  maxSleepMs: number;
  runRetention: number;
}

/**
 * A due job as an executor receives it, and, once its runs are submitted, the store's release of
 * it with its next run time: one small object per job, no closure.
 */
class Submission implements JobSubmission, JobRelease {
  constructor(
    readonly job: JobState,
    readonly jobStore: string,
    readonly scheduledRunTimes: Date[],
    private readonly host: ProcessorHost,
    readonly nextRunTime: Date | null,
    readonly nextFireTime: Date | null,
  ) {}

  get id(): string {
    return this.job.id;
  }

  get remove(): boolean {
    return this.nextRunTime === null;
  }

  resolveFunction(): JobFunction | Promise<JobFunction> {
    return this.host.resolveFunction(this.job.func);
  }
}

/**
 * The scheduler's run loop: one timer for all jobs, re-armed for the earliest next run (and at
 * least every `maxSleep`, so a clock jump or a suspended machine is noticed); on each wakeup it
 * claims the due jobs of every store, hands their runs to executors and releases them with their
 * next run times. A failing store is retried with exponential backoff, and releases that could not
 * be written are kept and written first when it is back, so no run is lost or repeated.
 */
export class JobProcessor {
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private timerClock: Clock | null = null;
  private processing: Promise<void> | null = null;
  private looping = false;
  private processAgain = false;
  /** The earliest run time of jobs added or changed while a pass was in progress (see `scheduleCheck`). */
  private checkAt = Infinity;
  private readonly failures = new Map<string, number>();
  private readonly unreleased = new Map<string, JobRelease[]>();
  /** Run records not yet handed to their stores, by store alias (see `recordRun`). */
  private pendingRuns = new Map<string, RunRecord[]>();
  private runFlushScheduled = false;
  /** Run-record writes in progress. */
  private readonly runWrites = new Set<Promise<void>>();
  /** Records a store failed to take, by store alias, kept until it works again (see `keepUnwritten`). */
  private readonly keptRuns = new Map<string, RunRecord[]>();
  /** How many kept records were dropped over the cap, by store alias, since its last good write. */
  private readonly droppedRuns = new Map<string, number>();

  constructor(private readonly host: ProcessorHost) {}

  /** Checks for due jobs now. */
  wakeup(): Promise<void> {
    if (this.looping) {
      this.processAgain = true;
      return this.processing ?? Promise.resolve();
    }
    this.processing = this.processLoop();
    return this.processing;
  }

  /** Makes sure a check happens by `time` (a job was added or changed). */
  scheduleCheck(time: Date | null): void {
    if (!this.host.isRunning() || time === null) return;
    const at = time.getTime();
    if (this.looping) {
      // The pass in progress may have read its stores before this change. A job due now needs
      // another pass; a later one only needs the pass to arm its timer no later than the job.
      // (Re-running the pass for every job added while one is in progress would run one pass
      // per addJob call during a burst of adds.)
      if (at <= this.host.settings().clock.now()) this.processAgain = true;
      else if (at < this.checkAt) this.checkAt = at;
      return;
    }
    if (at < this.timerAt) this.armTimer(at);
  }

  /** Stops the timer and waits for a pass in progress to end. */
  async stop(): Promise<void> {
    this.clearTimer();
    await this.processing;
  }

  /** Stops the timer only (the scheduler is paused). */
  pause(): void {
    this.clearTimer();
  }

  /**
   * One or more passes over the stores. `looping` is cleared in the same synchronous step as the
   * last `processAgain` check, so a job added while a pass is finishing is never left unchecked.
   */
  private async processLoop(): Promise<void> {
    this.looping = true;
    try {
      for (;;) {
        this.processAgain = false;
        if (!this.host.isRunning()) return;
        const settings = this.host.settings();
        let wakeAt = Infinity;
        for (const [alias, store] of [...this.host.stores]) {
          wakeAt = Math.min(wakeAt, await this.processStore(alias, store, settings));
        }
        if (this.processAgain) continue;
        if (this.host.isRunning()) {
          this.armTimer(Math.min(wakeAt, this.checkAt));
          this.checkAt = Infinity;
        }
        return;
      }
    } finally {
      this.looping = false;
    }
  }

  /** Runs the due jobs of one store; returns when the store wants the next check. */
  private async processStore(alias: string, store: JobStore, settings: ProcessorSettings): Promise<number> {
    for (;;) {
      const now = settings.clock.now();
      let more: boolean;
      try {
        await this.flushReleases(alias, store, settings);
        more = await this.processBatch(alias, store, now, settings);
        if (!more || !this.host.isRunning()) {
          const next = await store.getNextRunTime();
          this.storeRecovered(alias, settings);
          if (this.keptRuns.has(alias)) this.writeKeptAnd(alias, [], settings);
          return next === null ? Infinity : next.getTime();
        }
      } catch (error) {
        return now + this.storeFailed(alias, error, settings);
      }
    }
  }

  /** Claims, dispatches and releases one batch; true when the store may have more due jobs. */
  private async processBatch(alias: string, store: JobStore, now: number, settings: ProcessorSettings) {
    const due = await store.acquireDueJobs(
      settings.schedulerId,
      new Date(now),
      settings.leaseMs,
      ACQUIRE_BATCH,
    );
    if (due.length === 0) return false;
    // The usual due job has its runs planned and nothing missed: those go to their executor
    // together (`submitAll`); the others one by one, with their missed runs reported.
    const submissions: Submission[] = [];
    let usual: Submission[] = [];
    for (const job of due) {
      const plan = planRuns(job, now, jitterMs);
      const submission = new Submission(
        job,
        alias,
        plan.runTimes,
        this.host,
        plan.nextRunTime,
        plan.nextFireTime,
      );
      submissions.push(submission);
      if (plan.missed.length === 0 && !plan.truncated) {
        if (plan.runTimes.length > 0) usual.push(submission);
        continue;
      }
      this.submitAll(usual, settings);
      usual = [];
      this.dispatch(submission, now, plan, settings);
    }
    this.submitAll(usual, settings);
    // The runs have started: keep their releases until the store takes them, or they would run again.
    const earlier = this.unreleased.get(alias);
    this.unreleased.set(alias, earlier === undefined ? submissions : [...earlier, ...submissions]);
    await this.flushReleases(alias, store, settings);
    return due.length === ACQUIRE_BATCH;
  }

  private async flushReleases(alias: string, store: JobStore, settings: ProcessorSettings): Promise<void> {
    const releases = this.unreleased.get(alias);
    if (releases === undefined) return;
    await store.releaseJobs(settings.schedulerId, releases);
    this.unreleased.delete(alias);
    if (this.host.listeners.wants(EVENT_JOB_REMOVED)) {
      for (const release of releases) {
        if (release.remove) this.host.emit({ code: EVENT_JOB_REMOVED, jobId: release.id, jobStore: alias });
      }
    }
  }

  /** Logs and reports a store failure; returns how long to wait before trying it again. */
  private storeFailed(alias: string, error: unknown, settings: ProcessorSettings): number {
    const failures = (this.failures.get(alias) ?? 0) + 1;
    this.failures.set(alias, failures);
    const retryIn = Math.min(STORE_RETRY_MIN_MS * 2 ** (failures - 1), STORE_RETRY_MAX_MS);
    const message = `Job store "${alias}" failed (attempt ${failures}); retrying in ${retryIn} ms`;
    if (failures === 1) settings.logger.error(message, error);
    else settings.logger.debug(message, error);
    this.host.emit({ code: EVENT_JOBSTORE_ERROR, alias, exception: error, failures, retryIn });
    return retryIn;
  }

  private storeRecovered(alias: string, settings: ProcessorSettings): void {
    const failures = this.failures.get(alias);
    if (failures === undefined) return;
    this.failures.delete(alias);
    settings.logger.warn(`Job store "${alias}" is working again after ${failures} failed attempts`);
  }

  /** Reports one due job's missed runs and submits the others. */
  private dispatch(submission: Submission, now: number, plan: RunPlan, settings: ProcessorSettings): void {
    const { host } = this;
    const { job, jobStore: alias } = submission;
    if (plan.truncated) {
      settings.logger.warn(
        `Job "${job.name}" (id ${job.id}) had too many missed runs; skipped ahead to the present`,
      );
    }
    for (const scheduledRunTime of plan.missed) {
      const event: JobExecutionEvent = {
        code: EVENT_JOB_MISSED,
        jobId: job.id,
        jobStore: alias,
        scheduledRunTime,
      };
      host.emit(event);
      this.recordRun(event, settings);
      const grace = job.misfireGraceTime === null ? '' : ` (misfireGraceTime ${job.misfireGraceTime} s)`;
      settings.logger.warn(
        `Job "${job.name}" (id ${job.id}) missed its run time ${scheduledRunTime.toISOString()} by ${durationInWords(now - scheduledRunTime.getTime())}${grace}; that run is skipped`,
      );
    }
    if (plan.runTimes.length > 0) this.submitAll([submission], settings);
  }

  /**
   * Hands submissions to their executors: the consecutive ones of one executor in one
   * `submitJobs` call where it has one, which starts them in a single loop before any outcome is
   * reported; else one `submitJob` each. Refusals for `maxInstances` are reported.
   */
  private submitAll(submissions: Submission[], settings: ProcessorSettings): void {
    let first = 0;
    for (let i = 1; i <= submissions.length; i++) {
      const alias = (submissions[first] as Submission).job.executor;
      if (i < submissions.length && (submissions[i] as Submission).job.executor === alias) continue;
      const group = first === 0 && i === submissions.length ? submissions : submissions.slice(first, i);
      first = i;
      const executor = this.host.executors.get(alias);
      if (executor === undefined) {
        for (const submission of group) this.failWithoutExecutor(submission, settings);
      } else if (executor.submitJobs !== undefined) {
        const refused = executor.submitJobs(group);
        for (const submission of refused) this.refuse(submission as Submission, settings);
        this.submitted(group, refused.length === 0 ? null : new Set(refused));
      } else {
        for (const submission of group) {
          try {
            executor.submitJob(submission);
            this.submitted([submission], null);
          } catch (error) {
            if (!(error instanceof MaxInstancesReachedError)) throw error;
            this.refuse(submission, settings);
          }
        }
      }
    }
  }

  /**
   * Reports each run of a job whose executor this scheduler lacks (a job from a shared store that
   * names an executor only other nodes have, or whose executor was removed) as failed, with a run
   * record, rather than skipping it unseen. The schedule still advances.
   */
  private failWithoutExecutor(submission: Submission, settings: ProcessorSettings): void {
    const { job, jobStore, scheduledRunTimes } = submission;
    const exception = new LookupError(
      'executor',
      job.executor,
      `Executor "${job.executor}" of job "${job.name}" (id ${job.id}) was not found; run skipped`,
    );
    settings.logger.error(exception.message);
    for (const scheduledRunTime of scheduledRunTimes) {
      const event: JobExecutionEvent = {
        code: EVENT_JOB_ERROR,
        jobId: job.id,
        jobStore,
        scheduledRunTime,
        exception,
      };
      this.host.emit(event);
      this.recordRun(event, settings);
    }
  }

  /** `EVENT_JOB_SUBMITTED` for the accepted submissions, when someone listens. */
  private submitted(submissions: Submission[], refused: Set<JobSubmission> | null): void {
    const { host } = this;
    if (!host.listeners.wants(EVENT_JOB_SUBMITTED)) return;
    for (const submission of submissions) {
      if (refused?.has(submission) === true) continue;
      const { job, jobStore, scheduledRunTimes } = submission;
      host.emit({ code: EVENT_JOB_SUBMITTED, jobId: job.id, jobStore, scheduledRunTimes });
    }
  }

  /** Reports a submission its executor refused: its job has `maxInstances` runs in progress. */
  private refuse(submission: Submission, settings: ProcessorSettings): void {
    const { job, jobStore, scheduledRunTimes } = submission;
    settings.logger.warn(new MaxInstancesReachedError(job.id, job.maxInstances).message);
    this.host.emit({ code: EVENT_JOB_MAX_INSTANCES, jobId: job.id, jobStore, scheduledRunTimes });
  }

  /**
   * Keeps the outcome of a run in its store's run history (when enabled). Records are written in
   * batches, one per store for all the runs that end in the same turn of the event loop (with
   * `addRuns` where the store has it): one write instead of one per run. Failures are logged.
   */
  recordRun(event: JobExecutionEvent, settings: ProcessorSettings = this.host.settings()): void {
    if (settings.runRetention === 0) return;
    this.keepRun(event.jobStore, toRunRecord(event, settings.schedulerId));
  }

  /** `recordRun` with the record made already (by an executor, see `ExecutorContext.runs`). */
  keepRun(jobStore: string, record: RunRecord): void {
    let records = this.pendingRuns.get(jobStore);
    if (records === undefined) {
      records = [];
      this.pendingRuns.set(jobStore, records);
    }
    records.push(record);
    if (!this.runFlushScheduled) {
      this.runFlushScheduled = true;
      queueMicrotask(() => {
        this.runFlushScheduled = false;
        this.writePendingRuns(false);
      });
    }
  }

  /**
   * Writes the run records not yet written, and those kept from a store outage; resolves when every
   * write so far has ended.
   */
  flushRuns(): Promise<void> {
    this.runFlushScheduled = false;
    this.writePendingRuns(true);
    return this.runWrites.size === 0 ? Promise.resolve() : Promise.all(this.runWrites).then(() => undefined);
  }

  /**
   * Hands each store its new records. A store whose last write failed is not tried on every run
   * that ends (each try would wait out its timeout during an outage): its records join the kept
   * ones, written at the next pass that finds the store working, or at an explicit `flushRuns`.
   */
  private writePendingRuns(withKept: boolean): void {
    const pending = this.pendingRuns;
    if (pending.size === 0 && (!withKept || this.keptRuns.size === 0)) return;
    this.pendingRuns = new Map();
    const settings = this.host.settings();
    const aliases = withKept ? new Set([...pending.keys(), ...this.keptRuns.keys()]) : pending.keys();
    for (const alias of aliases) {
      const records = pending.get(alias) ?? [];
      if (!withKept && this.keptRuns.has(alias)) this.keepUnwritten(alias, records, settings);
      else this.writeKeptAnd(alias, records, settings);
    }
  }

  /** Writes the records kept for a store, then `records`; a store no longer there drops them. */
  private writeKeptAnd(alias: string, records: RunRecord[], settings: ProcessorSettings): void {
    const kept = this.keptRuns.get(alias);
    this.keptRuns.delete(alias);
    const store = this.host.stores.get(alias);
    const all = kept === undefined ? records : kept.concat(records);
    if (store !== undefined && all.length > 0) this.writeRuns(alias, store, all, settings);
  }

  private writeRuns(alias: string, store: JobStore, records: RunRecord[], settings: ProcessorSettings): void {
    const retention = settings.runRetention;
    let written: Promise<unknown>;
    try {
      written =
        store.addRuns !== undefined
          ? store.addRuns(records, retention)
          : Promise.all(records.map((record) => store.addRun(record, retention)));
    } catch (error) {
      written = Promise.reject(error);
    }
    const write = written.then(
      () => this.runsWritten(alias, settings),
      (error: unknown) => {
        const runs = records.length === 1 ? `a run of job ${records[0]?.jobId}` : `${records.length} runs`;
        // A record the store cannot take (a value it cannot serialize) would fail again.
        if (error instanceof SerializationError) {
          settings.logger.error(`Could not record ${runs} in job store "${alias}"`, error);
          return;
        }
        const first = !this.keptRuns.has(alias);
        this.keepUnwritten(alias, records, settings);
        const message = `Could not record ${runs} in job store "${alias}"; kept to write when it works again`;
        if (first) settings.logger.error(message, error);
        else settings.logger.debug(message, error);
      },
    );
    this.runWrites.add(write);
    void write.then(() => this.runWrites.delete(write));
  }

  /**
   * Keeps records a store could not take, oldest first, up to `MAX_KEPT_RUNS` per store: past that
   * the oldest are dropped (memory stays bounded however long the outage), with one warning when
   * it starts and a count when the store works again.
   */
  private keepUnwritten(alias: string, records: RunRecord[], settings: ProcessorSettings): void {
    const earlier = this.keptRuns.get(alias);
    let kept = records;
    if (earlier !== undefined) {
      // In place: during a long outage this runs for every batch of runs that end.
      for (const record of records) earlier.push(record);
      kept = earlier;
    }
    const excess = kept.length - MAX_KEPT_RUNS;
    if (excess > 0) {
      kept.splice(0, excess);
      const dropped = this.droppedRuns.get(alias) ?? 0;
      this.droppedRuns.set(alias, dropped + excess);
      if (dropped === 0) {
        settings.logger.warn(
          `Job store "${alias}" has ${MAX_KEPT_RUNS} run records waiting to be written; the oldest are dropped from now on`,
        );
      }
    }
    this.keptRuns.set(alias, kept);
  }

  private runsWritten(alias: string, settings: ProcessorSettings): void {
    const dropped = this.droppedRuns.get(alias);
    if (dropped === undefined) return;
    this.droppedRuns.delete(alias);
    settings.logger.warn(
      `Job store "${alias}" is writing run records again; ${dropped} were dropped meanwhile`,
    );
  }

  private armTimer(at: number): void {
    this.clearTimer();
    const { clock, maxSleepMs } = this.host.settings();
    const now = clock.now();
    const target = Math.min(at, now + maxSleepMs);
    this.setTimer(clock, target, Math.max(0, Math.ceil(target - now)));
  }

  private setTimer(clock: Clock, target: number, delayMs: number): void {
    this.timerAt = target;
    this.timerClock = clock;
    this.timer = clock.setTimer(() => this.timerFired(target), delayMs);
  }

  private timerFired(target: number): void {
    this.timer = null;
    this.timerAt = Infinity;
    // A Node timer counts from the event loop's cached time, which lags the clock, so it may fire a
    // little before its time; the last millisecond or two are waited out turn by turn (a zero
    // delay is the next turn, see `SystemClock`), not by a pass that would find nothing due and a
    // timer that would then fire a millisecond or more late.
    const { clock } = this.host.settings();
    const early = target - clock.now();
    if (early > 0 && early <= EARLY_SPIN_MS && this.host.isRunning()) {
      this.setTimer(clock, target, 0);
      return;
    }
    void this.wakeup();
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timerClock?.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }
}
