import type { Clock, TimerHandle } from '../clock.js';
import { LookupError, MaxInstancesReachedError } from '../errors.js';
import {
  EVENT_JOBSTORE_ERROR,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_REMOVED,
  EVENT_JOB_SUBMITTED,
  type SchedulerEventUnion,
} from '../events/events.js';
import type { ListenerRegistry } from '../events/listeners.js';
import type { JobState } from '../job-state.js';
import type { Logger } from '../logger.js';
import { Run, type RunSubmission } from '../runs/attempt.js';
import { Outcome } from '../runs/outcome.js';
import type { RunHistory } from '../runs/run-history.js';
import { jitterMs, planRuns, type RunPlan } from '../runs/run-plan.js';
import type { RunQueue } from '../runs/run-queue.js';
import type { RunReporter } from '../runs/run-reporter.js';
import type { JobRelease, JobStore } from '../stores/job-store.js';
import { durationInWords } from './duration-words.js';
import type { Instruments } from './instruments.js';

/** How many due jobs one store hands over per round trip. */
const ACQUIRE_BATCH = 1000;
/** Backoff for a failing store: the first retry after this, doubling up to `STORE_RETRY_MAX_MS`. */
const STORE_RETRY_MIN_MS = 1000;
const STORE_RETRY_MAX_MS = 60_000;
/** A timer that fires this little before its time is waited out without a pass (see `timerFired`). */
const EARLY_SPIN_MS = 2;

/** What the processor reads from its scheduler. Settings are read per pass, so `configure` applies. */
export interface ProcessorHost {
  isRunning(): boolean;
  readonly stores: ReadonlyMap<string, JobStore>;
  /** The run queue of each executor, by executor alias. */
  readonly queues: ReadonlyMap<string, RunQueue>;
  readonly listeners: ListenerRegistry;
  readonly reporter: RunReporter;
  readonly history: RunHistory;
  /** Its `claimed` listener is told the size of each claim that returned jobs. */
  readonly instruments: Pick<Instruments, 'claimed'>;
  settings(): ProcessorSettings;
  emit(event: SchedulerEventUnion): void;
}

export interface ProcessorSettings {
  clock: Clock;
  logger: Logger;
  schedulerId: string;
  leaseMs: number;
  maxSleepMs: number;
}

/**
 * A due job as an executor receives it, and, once its runs are submitted, the store's release of
 * it with its next run time: one small object per job, no closure.
 */
class Submission extends Run implements JobRelease {
  constructor(
    job: JobState,
    jobStore: string,
    scheduledRunTimes: Date[],
    readonly nextRunTime: Date | null,
    readonly nextFireTime: Date | null,
  ) {
    super(job, jobStore, scheduledRunTimes);
  }

  get id(): string {
    return this.job.id;
  }

  get remove(): boolean {
    return this.nextRunTime === null;
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
          this.host.history.storeWorking(alias);
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
    this.host.instruments.claimed?.(alias, due.length);
    // The usual due job has its runs planned and nothing missed: those go to their executor
    // together (`submitAll`); the others one by one, with their missed runs reported.
    const submissions: Submission[] = [];
    let usual: Submission[] = [];
    for (const job of due) {
      const plan = planRuns(job, now, jitterMs);
      const submission = new Submission(job, alias, plan.runTimes, plan.nextRunTime, plan.nextFireTime);
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
    const { job, jobStore: alias } = submission;
    if (plan.truncated) {
      settings.logger.warn(
        `Job "${job.name}" (id ${job.id}) had too many missed runs; skipped ahead to the present`,
      );
    }
    for (const scheduledRunTime of plan.missed) {
      this.host.reporter.report(new Outcome(job, alias, scheduledRunTime, 'missed'));
      const grace = job.misfireGraceTime === null ? '' : ` (misfireGraceTime ${job.misfireGraceTime} s)`;
      settings.logger.warn(
        `Job "${job.name}" (id ${job.id}) missed its run time ${scheduledRunTime.toISOString()} by ${durationInWords(now - scheduledRunTime.getTime())}${grace}; that run is skipped`,
      );
    }
    if (plan.runTimes.length > 0) this.submitAll([submission], settings);
  }

  /**
   * Hands submissions to the run queues of their executors: the consecutive ones of one executor in
   * one `submitAll` call, which starts them in a single loop before any outcome is reported.
   * Refusals for `maxInstances` are reported.
   */
  private submitAll(submissions: Submission[], settings: ProcessorSettings): void {
    let first = 0;
    for (let i = 1; i <= submissions.length; i++) {
      const alias = (submissions[first] as Submission).job.executor;
      if (i < submissions.length && (submissions[i] as Submission).job.executor === alias) continue;
      const group = first === 0 && i === submissions.length ? submissions : submissions.slice(first, i);
      first = i;
      const queue = this.host.queues.get(alias);
      if (queue === undefined) {
        for (const submission of group) this.failWithoutExecutor(submission, settings);
        continue;
      }
      const refused = queue.submitAll(group);
      for (const submission of refused) this.refuse(submission as Submission, settings);
      this.submitted(group, refused.length === 0 ? null : new Set(refused));
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
      this.host.reporter.report(new Outcome(job, jobStore, scheduledRunTime, 'error', exception));
    }
  }

  /** `EVENT_JOB_SUBMITTED` for the accepted submissions, when someone listens. */
  private submitted(submissions: Submission[], refused: Set<RunSubmission> | null): void {
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
