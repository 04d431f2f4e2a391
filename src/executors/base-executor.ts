import { InvalidArgumentError, MaxInstancesReachedError } from '../errors.js';
import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, EVENT_JOB_RETRY } from '../events/events.js';
import { ExecutorShutdownError, JobTimeoutError } from './errors.js';
import { endedRunRecord } from '../runs/run-record.js';
import { TimedRunRecord } from '../stores/run-record.js';
import type { Executor, ExecutorContext, ExecutorEvent, JobSubmission } from './executor.js';
import { retryDelay, shouldRetry } from './retry.js';
import { Run, type RunAttempt } from './run.js';

export type { RunAttempt } from './run.js';

type Mode = 'stopped' | 'running' | 'draining' | 'aborting';

/**
 * An attempt that finished synchronously (see `BaseExecutor.executeNow`). The executor may hand
 * out the same object every time: it is read (and its `value` cleared) at once.
 */
export interface AttemptOutcome {
  ok: boolean;
  value: unknown;
}

/**
 * What every executor shares, so each one only says how to execute one attempt: counting instances
 * per job (`maxInstances`), a queue bounded by `concurrency`, the misfire check when a run starts,
 * timeouts, retries with backoff on the injected clock, the events of each run, and both kinds of
 * shutdown. See `Executor` for the rules.
 */
export abstract class BaseExecutor implements Executor {
  protected context: ExecutorContext | undefined;
  private mode: Mode = 'stopped';
  /**
   * Running instances by job id. Replaced by a new map whenever it empties: a long-lived map that
   * sees an insert and a delete per run rehashes into old-generation tables and drags the young
   * objects it touched along, about 200 bytes of old garbage per run at 50,000 runs a second.
   */
  private instances = new Map<string, number>();
  private queue: (Run | undefined)[] = [];
  private queueHead = 0;
  /** Runs with an attempt in progress; each knows its index (`activeIndex`), so removal is a swap. */
  private readonly active: Run[] = [];
  /** Runs waiting out a retry's backoff. */
  private readonly waiting = new Set<Run>();
  private drainScheduled = false;
  /** True inside `drain`: a run that finishes synchronously leaves starting the next one to its loop. */
  private draining = false;
  /**
   * Runs that finished synchronously, to be reported by `drain` (see there). Runs start only
   * inside `drain` or `submitJobs`, which leave these to a `drain` of their own.
   */
  private finished: Run[] = [];
  private idleWaiters: (() => void)[] = [];

  protected constructor(protected readonly concurrency: number) {}

  /**
   * Runs one attempt: resolves with the job's return value, rejects with its error, and settles
   * promptly when the attempt is aborted (see `RunAttempt.onAbort`).
   */
  protected abstract execute(attempt: RunAttempt): Promise<unknown>;

  /**
   * Optionally runs an attempt at once: returns its outcome when the job finished synchronously, a
   * promise when it started and goes on, or `undefined` to have `execute` run it instead. Sparing
   * a sync job every promise matters at 100,000 runs a second.
   */
  protected executeNow(_attempt: RunAttempt): AttemptOutcome | Promise<unknown> | undefined {
    return undefined;
  }

  /** Called at `start`, before any submission. Synchronous: pools start their workers lazily. */
  protected onStart(_context: ExecutorContext): void {}

  /** Called at the end of `shutdown`, once no run is active (pools terminate their workers here). */
  protected async onShutdown(_wait: boolean): Promise<void> {}

  async start(context: ExecutorContext): Promise<void> {
    if (this.mode !== 'stopped') {
      throw new ExecutorShutdownError(`Executor "${context.alias}" is already running`, context.alias);
    }
    this.context = context;
    this.onStart(context);
    this.mode = 'running';
  }

  submitJob(submission: JobSubmission): void {
    this.assertRunning();
    const { job } = submission;
    if (!this.accept(submission)) throw new MaxInstancesReachedError(job.id, job.maxInstances);
    // Start on a microtask so the scheduler reports the submission before the run's outcome.
    this.scheduleDrain();
  }

  /**
   * Starts the runs it can at once, in one loop, and reports their outcomes on a microtask: when
   * thousands of jobs are due in the same instant, each starts after the calls of those before
   * it, not after their submissions, events and records too.
   */
  submitJobs(submissions: readonly JobSubmission[]): JobSubmission[] {
    this.assertRunning();
    const refused: JobSubmission[] = [];
    for (const submission of submissions) {
      if (!this.accept(submission)) refused.push(submission);
    }
    if (!this.draining) {
      this.draining = true;
      try {
        this.startQueued();
      } finally {
        this.draining = false;
      }
    }
    this.scheduleDrain();
    return refused;
  }

  private assertRunning(): void {
    if (this.mode !== 'running') {
      const alias = this.context?.alias ?? '(not started)';
      throw new ExecutorShutdownError(`Executor "${alias}" is not running; cannot accept a job`, alias);
    }
  }

  /** Counts and queues a submission's run; false when its job has `maxInstances` in progress. */
  private accept(submission: JobSubmission): boolean {
    const { job } = submission;
    const running = this.instances.get(job.id) ?? 0;
    if (running >= job.maxInstances) return false;
    if (submission.scheduledRunTimes.length === 0) return true;
    this.instances.set(job.id, running + 1);
    this.queue.push(new Run(submission));
    return true;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    if (
      this.finished.length === 0 &&
      !(this.active.length < this.concurrency && this.queueHead < this.queue.length)
    )
      return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  runningInstances(jobId: string): number {
    return this.instances.get(jobId) ?? 0;
  }

  async shutdown({ wait }: { wait: boolean }): Promise<void> {
    if (this.mode === 'stopped') return;
    const context = this.context as ExecutorContext;
    this.mode = wait ? 'draining' : 'aborting';
    // A retry not yet started is given up in both modes: shutting down should not wait out backoffs.
    for (const run of [...this.waiting]) {
      if (run.timer !== null) context.clock.clearTimer(run.timer);
      run.timer = null;
      this.waiting.delete(run);
      this.reportError(run, run.lastError, context.clock.now());
      this.nextRun(run);
    }
    if (!wait) {
      for (let i = this.queueHead; i < this.queue.length; i++) {
        const run = this.queue[i];
        if (run !== undefined) this.finishInstance(run.submission.job.id);
      }
      this.queue = [];
      this.queueHead = 0;
      const reason = new ExecutorShutdownError(`Executor "${context.alias}" was shut down`, context.alias);
      for (const run of [...this.active]) run.current?.abort(reason);
    }
    if (!this.isIdle()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    try {
      await this.onShutdown(wait);
    } finally {
      this.mode = 'stopped';
    }
  }

  private isIdle(): boolean {
    return this.active.length === 0 && this.queueHead >= this.queue.length && this.waiting.size === 0;
  }

  /**
   * Starts queued runs while there is room. A run that finishes synchronously is only noted here
   * (`finished`) and reported once the loop has started what it can: when thousands of jobs are
   * due in the same instant, each one starts after the calls of those before it, not after their
   * events and run records too.
   */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        this.startQueued();
        if (this.finished.length === 0) break;
        const finished = this.finished;
        this.finished = [];
        for (const run of finished) {
          this.finishAttempt(run, run.outcomeOk, run.outcome, run.startedAt, run.finishedAt);
        }
      }
    } finally {
      this.draining = false;
    }
    if (this.idleWaiters.length > 0 && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Starts queued runs while there is room (inside `drain` or `submitJobs`). */
  private startQueued(): void {
    while (this.active.length < this.concurrency && this.queueHead < this.queue.length) {
      const run = this.queue[this.queueHead] as Run;
      this.queue[this.queueHead++] = undefined;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.runAttempt(run);
    }
  }

  private runAttempt(run: Run): void {
    const context = this.context as ExecutorContext;
    const { clock } = context;
    const { job, jobStore } = run.submission;
    const scheduledRunTime = run.scheduledRunTime;
    if (run.attempt === 1) {
      const grace = job.misfireGraceTime;
      if (grace !== null && clock.now() - scheduledRunTime.getTime() > grace * 1000) {
        const { runs } = context;
        if (runs?.record !== undefined) {
          runs.record(
            jobStore,
            new TimedRunRecord(job.id, scheduledRunTime, NaN, NaN, 'missed', null, null, runs.schedulerId),
          );
        }
        if (this.wantsEvent(EVENT_JOB_MISSED)) {
          this.report({ code: EVENT_JOB_MISSED, jobId: job.id, jobStore, scheduledRunTime });
        }
        // No recursion: `drain` picks the run's next time up from the queue in its own loop.
        this.nextRun(run);
        return;
      }
    }
    const attempt = run.startAttempt();
    const startedAt = clock.now();
    if (run.attempt === 1) run.firstStartedAt = startedAt;
    const timeout = job.timeout;
    if (timeout !== null) {
      run.timer = clock.setTimer(() => {
        run.timer = null;
        run.timedOut = true;
        attempt.abort(new JobTimeoutError(job.id, timeout));
      }, timeout * 1000);
    }
    let now: AttemptOutcome | Promise<unknown> | undefined;
    try {
      now = this.executeNow(attempt);
    } catch (error) {
      now = { ok: false, value: error };
    }
    if (now !== undefined && !(now instanceof Promise)) {
      // Finished already: reported by `drain` after it has started the other runs it can.
      run.outcomeOk = now.ok;
      run.outcome = now.value;
      now.value = undefined;
      run.startedAt = startedAt;
      run.finishedAt = clock.now();
      this.finished.push(run);
      return;
    }
    run.activeIndex = this.active.push(run) - 1;
    let pending: Promise<unknown>;
    try {
      pending = now ?? this.execute(attempt);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => this.finishAttempt(run, true, value, startedAt),
      (error: unknown) => this.finishAttempt(run, false, error, startedAt),
    );
  }

  /** Reports an attempt's outcome and moves on: the next run time, a retry, or the next run. */
  private finishAttempt(
    run: Run,
    ok: boolean,
    result: unknown,
    startedAt: number,
    finishedAt = (this.context as ExecutorContext).clock.now(),
  ): void {
    const context = this.context as ExecutorContext;
    const { clock } = context;
    const { job, jobStore } = run.submission;
    const scheduledRunTime = run.scheduledRunTime;
    if (run.timer !== null) clock.clearTimer(run.timer);
    run.timer = null;
    run.current = null;
    run.outcome = undefined;
    this.removeActive(run);
    if (ok) {
      const { runs } = context;
      const firstStartedAt = Number.isNaN(run.firstStartedAt) ? startedAt : run.firstStartedAt;
      if (runs?.record !== undefined) {
        runs.record(
          jobStore,
          endedRunRecord(
            job.id,
            scheduledRunTime,
            firstStartedAt,
            finishedAt,
            true,
            result,
            false,
            runs.schedulerId,
          ),
        );
      }
      if (this.wantsEvent(EVENT_JOB_EXECUTED)) {
        this.report({
          code: EVENT_JOB_EXECUTED,
          jobId: job.id,
          jobStore,
          scheduledRunTime,
          retval: result,
          startedAt: new Date(firstStartedAt),
          finishedAt: new Date(finishedAt),
        });
      }
      this.nextRun(run);
    } else if (this.mode === 'running' && shouldRetry(job.retry, run.attempt, result)) {
      this.scheduleRetry(run, result, startedAt, finishedAt);
    } else {
      this.reportError(run, result, finishedAt);
      this.nextRun(run);
    }
    this.drain();
  }

  private scheduleRetry(run: Run, error: unknown, startedAt: number, finishedAt: number): void {
    const context = this.context as ExecutorContext;
    const { job, jobStore } = run.submission;
    const policy = job.retry as NonNullable<typeof job.retry>;
    const delay = retryDelay(policy, run.attempt);
    context.logger.warn(
      `Job "${job.name}" (id ${job.id}) failed on attempt ${run.attempt} of ${policy.attempts}; retrying in ${delay} s`,
      error,
    );
    if (context.wants(EVENT_JOB_RETRY)) {
      context.emit({
        code: EVENT_JOB_RETRY,
        jobId: job.id,
        jobStore,
        scheduledRunTime: run.scheduledRunTime,
        attempt: run.attempt,
        maxAttempts: policy.attempts,
        exception: error,
        traceback: describeStack(error),
        timedOut: run.timedOut,
        delay,
        startedAt: new Date(startedAt),
        finishedAt: new Date(finishedAt),
      });
    }
    run.lastError = error;
    run.attempt++;
    this.waiting.add(run);
    run.timer = context.clock.setTimer(() => {
      run.timer = null;
      if (!this.waiting.delete(run)) return;
      this.queue.push(run);
      this.drain();
    }, delay * 1000);
  }

  /** The run's final failure: one `EVENT_JOB_ERROR`, and a log line. */
  private reportError(run: Run, error: unknown, finishedAt: number): void {
    const context = this.context as ExecutorContext;
    const { job, jobStore } = run.submission;
    context.logger.error(
      run.timedOut
        ? `Job "${job.name}" (id ${job.id}) timed out after ${job.timeout} s`
        : `Job "${job.name}" (id ${job.id}) raised an exception`,
      error,
    );
    const startedAt = Number.isNaN(run.firstStartedAt) ? finishedAt : run.firstStartedAt;
    const { runs } = context;
    if (runs?.record !== undefined) {
      runs.record(
        jobStore,
        endedRunRecord(
          job.id,
          run.scheduledRunTime,
          startedAt,
          finishedAt,
          false,
          error,
          run.timedOut,
          runs.schedulerId,
        ),
      );
    }
    // Without `runs`, an error is always emitted: `emit` also keeps it in the run history.
    if (runs === undefined || runs.listens(EVENT_JOB_ERROR)) {
      this.report({
        code: EVENT_JOB_ERROR,
        jobId: job.id,
        jobStore,
        scheduledRunTime: run.scheduledRunTime,
        exception: error,
        traceback: describeStack(error),
        timedOut: run.timedOut,
        startedAt: new Date(startedAt),
        finishedAt: new Date(finishedAt),
      });
    }
  }

  /**
   * Whether to build an outcome's event: when a listener wants it where the scheduler keeps run
   * records apart (`ExecutorContext.runs`), else as `context.wants` says (the history included).
   */
  private wantsEvent(code: number): boolean {
    const context = this.context as ExecutorContext;
    return context.runs === undefined ? context.wants(code) : context.runs.listens(code);
  }

  /**
   * Delivers an outcome's event: to the listeners only when the scheduler keeps the record apart
   * (`ExecutorContext.runs`), else through `emit`, which also records it.
   */
  private report(event: ExecutorEvent): void {
    const context = this.context as ExecutorContext;
    if (context.runs === undefined) context.emit(event);
    else context.runs.publish(event);
  }

  /** Moves a run on to its submission's next run time, or ends the submission. */
  private nextRun(run: Run): void {
    if (run.nextRunTime() && this.mode !== 'aborting') this.queue.push(run);
    else this.finishInstance(run.submission.job.id);
  }

  private finishInstance(jobId: string): void {
    const running = (this.instances.get(jobId) ?? 1) - 1;
    if (running > 0) this.instances.set(jobId, running);
    else if (this.instances.size === 1 && this.instances.has(jobId)) this.instances = new Map();
    else this.instances.delete(jobId);
  }

  private removeActive(run: Run): void {
    const index = run.activeIndex;
    if (index < 0 || this.active[index] !== run) return;
    const last = this.active.pop() as Run;
    if (last !== run) {
      this.active[index] = last;
      last.activeIndex = index;
    }
    run.activeIndex = -1;
  }
}

function describeStack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

/** Reads a positive integer option such as `maxWorkers`, with the field named in the error. */
export function readPositiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`Invalid ${field} ${JSON.stringify(value)}: expected a positive integer`, {
      field,
      value,
    });
  }
  return value;
}
