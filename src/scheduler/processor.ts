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
import type { ActiveRun, JobRelease, JobStore, NodeRole, ReleaseResult } from '../stores/job-store.js';
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
  /** Runs were stored to wait for a worker node (the scheduler role hands them all over). */
  handedOver(jobStore: string): void;
}

export interface ProcessorSettings {
  clock: Clock;
  logger: Logger;
  schedulerId: string;
  role: NodeRole;
  leaseMs: number;
  maxSleepMs: number;
}

/** Releases and runs a store could not take, retried first when it works again (`flushReleases`). */
interface Unreleased {
  submissions: Submission[];
  runs: ActiveRun[];
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
  private readonly unreleased = new Map<string, Unreleased>();
  /** Set when runs handed over through a store may be waiting for this node (`wakeupForRuns`). */
  private runsWanted = false;
  /** Numbers the runs this node stores (`ActiveRun.id` is the node id and this). */
  private runCount = 0;

  constructor(private readonly host: ProcessorHost) {}

  /**
   * Checks now for runs handed over through the stores (a heartbeat, a broker message, a recovered
   * run), as well as for due jobs. Worker nodes look on every pass anyway.
   */
  wakeupForRuns(): Promise<void> {
    this.runsWanted = true;
    return this.wakeup();
  }

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
        const role = settings.role;
        const wantRuns = role === 'worker' || (role === 'both' && this.runsWanted);
        this.runsWanted = false;
        let wakeAt = Infinity;
        for (const [alias, store] of [...this.host.stores]) {
          wakeAt = Math.min(wakeAt, await this.processStore(alias, store, settings, wantRuns));
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

  /** Runs the due jobs of one store (and its handed-over runs); returns when it wants the next check. */
  private async processStore(
    alias: string,
    store: JobStore,
    settings: ProcessorSettings,
    wantRuns: boolean,
  ): Promise<number> {
    const claims = settings.role !== 'worker';
    for (;;) {
      const now = settings.clock.now();
      let more: boolean;
      try {
        await this.flushReleases(alias, store, settings);
        more = claims && (await this.processBatch(alias, store, now, settings));
        if (!more || !this.host.isRunning()) {
          if (wantRuns) await this.takeHandedOverRuns(alias, store, now, settings);
          const next = claims ? await store.getNextRunTime() : null;
          this.storeRecovered(alias, settings);
          this.host.history.storeWorking(alias);
          return next === null ? Infinity : next.getTime();
        }
      } catch (error) {
        return now + this.storeFailed(alias, error, settings);
      }
    }
  }

  /**
   * Claims one batch of due jobs, plans their runs, and releases them with their next run times
   * while storing their runs (held by this node, or waiting for a worker in the scheduler role) in
   * one `releaseJobs` call; then hands the runs the store took to their run queues. True when the
   * store may have more due jobs.
   */
  private async processBatch(alias: string, store: JobStore, now: number, settings: ProcessorSettings) {
    const due = await store.acquireDueJobs(
      settings.schedulerId,
      new Date(now),
      settings.leaseMs,
      ACQUIRE_BATCH,
    );
    if (due.length === 0) return false;
    this.host.instruments.claimed?.(alias, due.length);
    const handsOver = settings.role === 'scheduler';
    const holder = handsOver ? null : settings.schedulerId;
    const leaseUntil = handsOver ? null : new Date(now + settings.leaseMs);
    const createdAt = new Date(now);
    const submissions: Submission[] = [];
    const runs: ActiveRun[] = [];
    for (const job of due) {
      const plan = planRuns(job, now, jitterMs);
      const submission = new Submission(job, alias, plan.runTimes, plan.nextRunTime, plan.nextFireTime);
      submissions.push(submission);
      if (plan.missed.length > 0 || plan.truncated) this.reportMissed(submission, now, plan, settings);
      if (plan.runTimes.length === 0) continue;
      if (!handsOver && !this.host.queues.has(job.executor)) {
        this.failWithoutExecutor(submission, settings);
        continue;
      }
      submission.storeRunId = this.newRunId(settings);
      runs.push({
        id: submission.storeRunId,
        job,
        scheduledRunTimes: plan.runTimes,
        node: holder,
        leaseUntil,
        manual: false,
        recovery: false,
        createdAt,
      });
    }
    await this.release(alias, store, { submissions, runs }, settings);
    return due.length === ACQUIRE_BATCH;
  }

  /** A new run id, unique in every store: this node's id and a count. */
  private newRunId(settings: ProcessorSettings): string {
    return `${settings.schedulerId}/${++this.runCount}`;
  }

  /**
   * Writes releases and their runs; when the store fails, keeps them to write first when it works
   * again (nothing has started, so nothing is lost meanwhile: the claims hold the jobs).
   */
  private async release(
    alias: string,
    store: JobStore,
    batch: Unreleased,
    settings: ProcessorSettings,
  ): Promise<void> {
    let result: ReleaseResult;
    try {
      result = await store.releaseJobs(settings.schedulerId, batch.submissions, batch.runs);
    } catch (error) {
      const earlier = this.unreleased.get(alias);
      this.unreleased.set(
        alias,
        earlier === undefined
          ? batch
          : {
              submissions: [...earlier.submissions, ...batch.submissions],
              runs: [...earlier.runs, ...batch.runs],
            },
      );
      throw error;
    }
    this.released(alias, batch.submissions, result, settings);
  }

  /** Writes the releases a failing store could not take; see `retried`. */
  private async flushReleases(alias: string, store: JobStore, settings: ProcessorSettings): Promise<void> {
    const batch = this.unreleased.get(alias);
    if (batch === undefined) return;
    const result = await store.releaseJobs(settings.schedulerId, batch.submissions, batch.runs);
    this.unreleased.delete(alias);
    this.released(alias, batch.submissions, result, settings);
    this.retried(alias, batch, result, settings);
  }

  /**
   * A release written again after a store failure reads as lost when the failed call had in fact
   * been stored (its claim then ended there): the runs it stored were never started here. They
   * are ended in the store (through the run history, which keeps trying while the store fails),
   * and each is logged, so none waits for ever under this node's heartbeat.
   */
  private retried(
    alias: string,
    batch: Unreleased,
    result: ReleaseResult,
    settings: ProcessorSettings,
  ): void {
    if (result.lost.length === 0) return;
    const lost = new Set(result.lost);
    for (const submission of batch.submissions) {
      if (!lost.has(submission.job.id) || submission.storeRunId === null) continue;
      this.host.history.end(alias, submission.storeRunId);
      const { job } = submission;
      settings.logger.warn(
        `Job store "${alias}" failed while taking the run of job "${job.name}" (id ${job.id}) at ${submission.scheduledRunTimes[0]?.toISOString()}; that run may not happen`,
      );
    }
  }

  /** After a release: removed jobs reported, refused runs reported, the others handed on. */
  private released(
    alias: string,
    submissions: Submission[],
    result: ReleaseResult,
    settings: ProcessorSettings,
  ): void {
    const lost = result.lost.length === 0 ? null : new Set(result.lost);
    const refused = result.refused.length === 0 ? null : new Set(result.refused);
    const wantsRemoved = this.host.listeners.wants(EVENT_JOB_REMOVED);
    const handsOver = settings.role === 'scheduler';
    const usual: Submission[] = [];
    let handed: Submission[] | null = null;
    for (const submission of submissions) {
      const { job } = submission;
      if (lost?.has(job.id) === true) {
        // A user changed the job (or the claim ran out) meanwhile: the new schedule wins.
        settings.logger.debug(`Job "${job.name}" (id ${job.id}) changed while claimed; its run is dropped`);
        continue;
      }
      if (wantsRemoved && submission.remove)
        this.host.emit({ code: EVENT_JOB_REMOVED, jobId: job.id, jobStore: alias });
      const runId = submission.storeRunId;
      if (runId === null) continue;
      if (refused?.has(runId) === true) this.refuse(submission, settings);
      else if (handsOver) (handed ??= []).push(submission);
      else usual.push(submission);
    }
    if (usual.length > 0) this.submitAll(usual, settings);
    if (handed !== null) {
      this.submitted(handed, null);
      this.host.handedOver(alias);
    }
  }

  /**
   * Takes runs handed over through the store (by scheduler nodes, by hand on client nodes, or
   * recovered after an interruption), as many as each executor has room for, and runs them.
   */
  private async takeHandedOverRuns(
    alias: string,
    store: JobStore,
    now: number,
    settings: ProcessorSettings,
  ): Promise<void> {
    for (const [executor, queue] of this.host.queues) {
      if (!queue.running) continue;
      const { running, queued } = queue.load();
      const room = Math.min(ACQUIRE_BATCH, queue.executor.concurrency - running - queued);
      if (room <= 0) continue;
      const runs = await store.acquireRuns(
        settings.schedulerId,
        [executor],
        new Date(now),
        settings.leaseMs,
        room,
      );
      if (runs.length === 0) continue;
      const submissions = runs.map((run) => {
        const submission = new Submission(run.job, alias, run.scheduledRunTimes, null, null);
        submission.manual = run.manual;
        submission.recovery = run.recovery;
        submission.storeRunId = run.id;
        return submission;
      });
      this.submitAll(submissions, settings);
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

  /** Reports one due job's missed runs (and a backlog cut short). */
  private reportMissed(
    submission: Submission,
    now: number,
    plan: RunPlan,
    settings: ProcessorSettings,
  ): void {
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
      for (const submission of refused) {
        // Counted in the store but over this queue's own count (a run started here by hand just
        // now): the store's run ends unrun.
        const { storeRunId, jobStore } = submission as Submission;
        if (storeRunId !== null) this.host.history.end(jobStore, storeRunId);
        this.refuse(submission as Submission, settings);
      }
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
      if (submission.manual) {
        host.emit({ code: EVENT_JOB_SUBMITTED, jobId: job.id, jobStore, scheduledRunTimes, manual: true });
      } else host.emit({ code: EVENT_JOB_SUBMITTED, jobId: job.id, jobStore, scheduledRunTimes });
    }
  }

  /** Reports a submission its executor refused: its job has `maxInstances` runs in progress. */
  private refuse(submission: Submission, settings: ProcessorSettings): void {
    const { job, jobStore, scheduledRunTimes } = submission;
    settings.logger.warn(new MaxInstancesReachedError(job.id, job.maxInstances).message);
    if (submission.manual) {
      this.host.emit({
        code: EVENT_JOB_MAX_INSTANCES,
        jobId: job.id,
        jobStore,
        scheduledRunTimes,
        manual: true,
      });
    } else this.host.emit({ code: EVENT_JOB_MAX_INSTANCES, jobId: job.id, jobStore, scheduledRunTimes });
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
