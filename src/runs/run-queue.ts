import type { Clock } from '../clock.js';
import { MaxInstancesReachedError } from '../errors.js';
import { ExecutorShutdownError, JobTimeoutError } from '../executors/errors.js';
import type { AttemptOutcome, Executor, ExecutorContext } from '../executors/executor.js';
import type { JobFunction, JobState } from '../job-state.js';
import type { Logger } from '../logger.js';
import { Run, type Attempt, type RunSubmission } from './attempt.js';
import { retryDelay, shouldRetry } from './retry.js';
import type { RunReporter } from './run-reporter.js';
import type { RunTracer } from './run-tracer.js';

type Mode = 'stopped' | 'running' | 'draining' | 'aborting';

/** What a run queue reads from its scheduler. */
export interface RunQueueHost {
  clock(): Clock;
  logger(): Logger;
  readonly reporter: RunReporter;
  /**
   * The function a job names by reference or task name: at once when known, a promise when its
   * module must be imported first.
   */
  resolveFunction(name: string): JobFunction | Promise<JobFunction>;
  /** The `'module:export'` reference of the job's function, for executors that run references. */
  reference(func: JobState['func']): string | undefined;
  /** The run tracer (`horae/tracing`), read as each run starts; `null` when tracing is off. */
  readonly instruments: { readonly tracer: RunTracer | null };
  /**
   * Told when a submission kept in a store (`Run.storeRunId`) is done with all its run times, its
   * last outcome reported, so the store's run can end with its record.
   */
  runEnded(run: Run): void;
}

/**
 * The runs of one executor: the scheduler's side of every run. It counts running instances per job
 * (`maxInstances`), queues runs beyond the executor's `concurrency`, checks each run's misfire grace
 * time as it starts, resolves the job's function, times attempts out, retries failed ones with
 * backoff on the injected clock, and reports every outcome through the `RunReporter`; the executor
 * only executes attempts. Both kinds of shutdown end here too.
 *
 * The rules:
 * - A submission counts as one instance of its job until all of its run times are done (retries
 *   included); a job with `maxInstances` submissions in progress is refused.
 * - A run that would start later than its scheduled time plus the job's `misfireGraceTime` is
 *   reported missed instead (not a recovery run, which the job asked for after an interruption).
 * - Every run that starts ends in exactly one outcome, `success` or `error`/`timeout`, timed from
 *   its first attempt's start to its last attempt's end.
 * - A job's `timeout` (seconds) bounds each attempt: the attempt is aborted with a `JobTimeoutError`.
 * - A failed attempt whose error `retry.retryOn` names (every error when `null`) is tried again until
 *   `retry.attempts` have been made, each retry announced (`EVENT_JOB_RETRY`).
 * - `shutdown(true)` takes no more submissions and resolves when every accepted run has finished;
 *   retries not yet started are given up. `shutdown(false)` aborts running attempts with
 *   `ExecutorShutdownError`, drops queued runs and resolves once nothing runs. Then the executor's
 *   own `shutdown` is called.
 */
export class RunQueue {
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
   * inside `drain` or `submitAll`, which leave these to a `drain` of their own.
   */
  private finished: Run[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly runsReferences: boolean;

  constructor(
    readonly executor: Executor,
    readonly alias: string,
    private readonly host: RunQueueHost,
  ) {
    this.runsReferences = executor.runs === 'references';
  }

  get running(): boolean {
    return this.mode === 'running';
  }

  /** Starts the executor; submissions are taken from then on. */
  async start(context: ExecutorContext): Promise<void> {
    if (this.mode !== 'stopped') {
      throw new ExecutorShutdownError(`Executor "${this.alias}" is already running`, this.alias);
    }
    await this.executor.start(context);
    this.mode = 'running';
  }

  /** Runs with an attempt in progress, and runs waiting for a free slot or out a retry's backoff. */
  load(): { running: number; queued: number } {
    return { running: this.active.length, queued: this.queue.length - this.queueHead + this.waiting.size };
  }

  /** Submissions of this job that have not finished. */
  runningInstances(jobId: string): number {
    return this.instances.get(jobId) ?? 0;
  }

  /**
   * Takes one submission; its runs start on a microtask, so the caller reports the submission
   * before any outcome. Throws `MaxInstancesReachedError` (nothing runs) or `ExecutorShutdownError`.
   */
  submit(submission: RunSubmission): void {
    this.assertRunning();
    const { job } = submission;
    if (!this.accept(submission)) throw new MaxInstancesReachedError(job.id, job.maxInstances);
    this.scheduleDrain();
  }

  /**
   * Takes several submissions (the many jobs due in the same instant): starts the runs it has room
   * for in one loop before it returns, and reports their outcomes on a microtask, so each job starts
   * after the calls of those before it, not after their events and records too. Returns the
   * submissions refused for `maxInstances`. Throws `ExecutorShutdownError` when not running.
   */
  submitAll(submissions: readonly RunSubmission[]): RunSubmission[] {
    this.assertRunning();
    const refused: RunSubmission[] = [];
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

  /** Ends the runs (waiting for them, or aborting them), then shuts the executor down. */
  async shutdown(wait: boolean): Promise<void> {
    if (this.mode === 'stopped') return;
    const clock = this.host.clock();
    this.mode = wait ? 'draining' : 'aborting';
    // A retry not yet started is given up in both modes: shutting down should not wait out backoffs.
    for (const run of [...this.waiting]) {
      if (run.timer !== null) clock.clearTimer(run.timer);
      run.timer = null;
      this.waiting.delete(run);
      this.reportError(run, run.lastError, clock.now());
      this.nextRun(run);
    }
    if (wait) {
      // A given-up retry's submission may have later run times, which `nextRun` queued: start them.
      this.drain();
    } else {
      for (let i = this.queueHead; i < this.queue.length; i++) {
        const run = this.queue[i];
        if (run !== undefined) this.finishInstance(run.job.id);
      }
      this.queue = [];
      this.queueHead = 0;
      const reason = new ExecutorShutdownError(`Executor "${this.alias}" was shut down`, this.alias);
      for (const run of [...this.active]) run.current?.abort(reason);
    }
    if (!this.isIdle()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    try {
      await this.executor.shutdown();
    } finally {
      this.mode = 'stopped';
    }
  }

  private assertRunning(): void {
    if (this.mode !== 'running') {
      throw new ExecutorShutdownError(
        `Executor "${this.alias}" is not running; cannot accept a job`,
        this.alias,
      );
    }
  }

  /** Counts and queues a submission's run; false when its job has `maxInstances` in progress. */
  private accept(submission: RunSubmission): boolean {
    const { job } = submission;
    const running = this.instances.get(job.id) ?? 0;
    if (running >= job.maxInstances) return false;
    if (submission.scheduledRunTimes.length === 0) return true;
    this.instances.set(job.id, running + 1);
    // A submission made as a `Run` (the processor's) is its own run; it is queued only once.
    const run =
      submission instanceof Run && !submission.taken
        ? submission
        : new Run(job, submission.jobStore, submission.scheduledRunTimes);
    run.taken = true;
    this.queue.push(run);
    return true;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    if (
      this.finished.length === 0 &&
      !(this.active.length < this.executor.concurrency && this.queueHead < this.queue.length)
    )
      return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drain();
    });
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
          this.finishAttempt(run, run.syncOk, run.value, run.startedMs, run.finishedMs);
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

  /** Starts queued runs while there is room (inside `drain` or `submitAll`). */
  private startQueued(): void {
    const { concurrency } = this.executor;
    while (this.active.length < concurrency && this.queueHead < this.queue.length) {
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
    const clock = this.host.clock();
    const { job } = run;
    const scheduledRunTime = run.scheduledRunTime;
    if (run.attempt === 1 && !run.recovery) {
      const grace = job.misfireGraceTime;
      if (grace !== null && clock.now() - scheduledRunTime.getTime() > grace * 1000) {
        run.status = 'missed';
        run.value = undefined;
        run.startedMs = NaN;
        run.finishedMs = NaN;
        this.host.reporter.report(run);
        // No recursion: `drain` picks the run's next time up from the queue in its own loop.
        this.nextRun(run);
        return;
      }
    }
    const attempt = run.startAttempt(this.alias);
    const startedAt = clock.now();
    if (run.attempt === 1) {
      run.firstStartedAt = startedAt;
      const { tracer } = this.host.instruments;
      if (tracer !== null) run.span = tracer.start(run, this.alias, startedAt);
    }
    const timeout = job.timeout;
    if (timeout !== null) {
      run.timer = clock.setTimer(() => {
        run.timer = null;
        run.timedOut = true;
        attempt.abort(new JobTimeoutError(job.id, timeout));
      }, timeout * 1000);
    }
    // Traced, the job runs with its run's span as the active context (its own spans are children).
    const span = run.span;
    const started = span === null ? this.begin(attempt) : span.within(() => this.begin(attempt));
    if (!(started instanceof Promise)) {
      // Finished already: reported by `drain` after it has started the other runs it can.
      run.syncOk = started.ok;
      run.value = started.value;
      started.value = undefined;
      run.startedMs = startedAt;
      run.finishedMs = clock.now();
      this.finished.push(run);
      return;
    }
    run.activeIndex = this.active.push(run) - 1;
    started.then(
      (value) => this.finishAttempt(run, true, value, startedAt),
      (error: unknown) => this.finishAttempt(run, false, error, startedAt),
    );
  }

  /**
   * Starts an attempt: its outcome when it finished at once (`executeNow`, or a function that could
   * not be resolved), else the promise of its value.
   */
  private begin(attempt: Attempt): AttemptOutcome | Promise<unknown> {
    let now: AttemptOutcome | Promise<unknown> | undefined;
    let importing: Promise<JobFunction> | undefined;
    try {
      importing = this.resolveTarget(attempt);
      if (importing === undefined) now = this.executor.executeNow?.(attempt);
    } catch (error) {
      return { ok: false, value: error };
    }
    if (now !== undefined) return now;
    if (importing !== undefined) {
      return importing.then((func) => {
        // Aborted (timed out, shut down) while its module loaded: the job never starts.
        if (attempt.aborted) throw attempt.abortReason;
        attempt.func = func;
        return this.executor.execute(attempt);
      });
    }
    try {
      return this.executor.execute(attempt);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Gives the attempt what the executor runs: the job's reference, or its function. Returns a
   * promise when the function's module must be imported first. Throws when it cannot be resolved.
   */
  private resolveTarget(attempt: Attempt): Promise<JobFunction> | undefined {
    const { func } = attempt.job;
    if (this.runsReferences) {
      attempt.reference = this.host.reference(func);
      return undefined;
    }
    const resolved = typeof func === 'function' ? func : this.host.resolveFunction(func);
    if (resolved instanceof Promise) return resolved;
    attempt.func = resolved;
    return undefined;
  }

  /** Reports an attempt's outcome and moves on: the next run time, a retry, or the next run. */
  private finishAttempt(
    run: Run,
    ok: boolean,
    result: unknown,
    startedAt: number,
    finishedAt = this.host.clock().now(),
  ): void {
    if (run.timer !== null) this.host.clock().clearTimer(run.timer);
    run.timer = null;
    run.current = null;
    run.value = undefined;
    this.removeActive(run);
    if (ok) {
      run.status = 'success';
      run.value = result;
      run.startedMs = Number.isNaN(run.firstStartedAt) ? startedAt : run.firstStartedAt;
      run.finishedMs = finishedAt;
      this.report(run);
      this.nextRun(run);
    } else if (this.mode === 'running' && shouldRetry(run.job.retry, run.attempt, result)) {
      this.scheduleRetry(run, result, startedAt, finishedAt);
    } else {
      this.reportError(run, result, finishedAt);
      this.nextRun(run);
    }
    this.drain();
  }

  private scheduleRetry(run: Run, error: unknown, startedAt: number, finishedAt: number): void {
    const { job } = run;
    const policy = job.retry as NonNullable<typeof job.retry>;
    const delay = retryDelay(policy, run.attempt);
    this.host
      .logger()
      .warn(
        `Job "${job.name}" (id ${job.id}) failed on attempt ${run.attempt} of ${policy.attempts}; retrying in ${delay} s`,
        error,
      );
    this.host.reporter.retry(run, run.attempt, error, run.timedOut, delay, startedAt, finishedAt);
    run.span?.retry(run.attempt, error, delay);
    run.lastError = error;
    run.attempt++;
    this.waiting.add(run);
    run.timer = this.host.clock().setTimer(() => {
      run.timer = null;
      if (!this.waiting.delete(run)) return;
      this.queue.push(run);
      this.drain();
    }, delay * 1000);
  }

  /** The run's final failure: one `error` (or `timeout`) outcome, and a log line. */
  private reportError(run: Run, error: unknown, finishedAt: number): void {
    const { job } = run;
    this.host
      .logger()
      .error(
        run.timedOut
          ? `Job "${job.name}" (id ${job.id}) timed out after ${job.timeout} s`
          : `Job "${job.name}" (id ${job.id}) raised an exception`,
        error,
      );
    run.status = run.timedOut ? 'timeout' : 'error';
    run.value = error;
    run.startedMs = Number.isNaN(run.firstStartedAt) ? finishedAt : run.firstStartedAt;
    run.finishedMs = finishedAt;
    this.report(run);
  }

  /** Reports a run that started, and ends its span. */
  private report(run: Run): void {
    this.host.reporter.report(run);
    const span = run.span;
    if (span !== null) {
      run.span = null;
      span.end(run, run.attempt);
    }
    run.value = undefined;
  }

  /** Moves a run on to its submission's next run time, or ends the submission. */
  private nextRun(run: Run): void {
    if (run.advance() && this.mode !== 'aborting') {
      this.queue.push(run);
      return;
    }
    this.finishInstance(run.job.id);
    if (run.storeRunId !== null) this.host.runEnded(run);
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
