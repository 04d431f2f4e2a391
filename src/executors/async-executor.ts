import { InvalidArgumentError, MaxInstancesReachedError } from '../errors.js';
import { registerExecutorType } from './registry.js';
import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED } from '../events/events.js';
import type { Executor, ExecutorContext, JobSubmission } from './executor.js';
import { runInJobContext } from './job-context.js';

export interface AsyncExecutorOptions {
  /** How many submissions may run at once; more wait in a queue. Default 10 (APScheduler's pool size). */
  maxConcurrency?: number;
}

/**
 * The default executor: runs sync and async job functions on the event loop, at most
 * `maxConcurrency` at a time. A job that throws or rejects becomes `EVENT_JOB_ERROR`; it never
 * becomes an unhandled rejection and never stops the scheduler. CPU-bound jobs block the loop here:
 * give them a `ThreadExecutor`.
 */
export class AsyncExecutor implements Executor {
  readonly maxConcurrency: number;
  private context: ExecutorContext | undefined;
  private readonly instances = new Map<string, number>();
  private queue: JobSubmission[] = [];
  private queueHead = 0;
  private active = 0;
  private abort = new AbortController();
  private idleWaiters: (() => void)[] = [];

  constructor(options: AsyncExecutorOptions = {}) {
    const max = options.maxConcurrency ?? 10;
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidArgumentError(
        `Invalid maxConcurrency ${JSON.stringify(max)}: expected a positive integer`,
        { field: 'maxConcurrency', value: max },
      );
    }
    this.maxConcurrency = max;
  }

  async start(context: ExecutorContext): Promise<void> {
    this.context = context;
    if (this.abort.signal.aborted) this.abort = new AbortController();
  }

  submitJob(submission: JobSubmission): void {
    const { job } = submission;
    const running = this.instances.get(job.id) ?? 0;
    if (running >= job.maxInstances) throw new MaxInstancesReachedError(job.id, job.maxInstances);
    this.instances.set(job.id, running + 1);
    this.queue.push(submission);
    // Start on a microtask so the scheduler reports the submission before the run's outcome.
    if (this.active < this.maxConcurrency) queueMicrotask(() => this.drain());
  }

  runningInstances(jobId: string): number {
    return this.instances.get(jobId) ?? 0;
  }

  async shutdown({ wait }: { wait: boolean }): Promise<void> {
    if (!wait) {
      this.abort.abort(new Error('The scheduler was shut down'));
      for (let i = this.queueHead; i < this.queue.length; i++) this.finish(this.queue[i] as JobSubmission);
      this.queue = [];
      this.queueHead = 0;
      return;
    }
    if (this.active === 0 && this.queueHead >= this.queue.length) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    while (this.active < this.maxConcurrency && this.queueHead < this.queue.length) {
      const submission = this.queue[this.queueHead] as JobSubmission;
      this.queue[this.queueHead++] = undefined as unknown as JobSubmission;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.active++;
      void this.runSubmission(submission).finally(() => {
        this.active--;
        this.finish(submission);
        this.drain();
      });
    }
    if (this.active === 0 && this.queueHead >= this.queue.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private finish(submission: JobSubmission): void {
    const id = submission.job.id;
    const running = (this.instances.get(id) ?? 1) - 1;
    if (running <= 0) this.instances.delete(id);
    else this.instances.set(id, running);
  }

  private async runSubmission(submission: JobSubmission): Promise<void> {
    const context = this.context;
    if (context === undefined) return;
    const { job, jobStore } = submission;
    for (const scheduledRunTime of submission.scheduledRunTimes) {
      if (this.abort.signal.aborted) return;
      const grace = job.misfireGraceTime;
      if (grace !== null && context.clock.now() - scheduledRunTime.getTime() > grace * 1000) {
        if (context.wants(EVENT_JOB_MISSED)) {
          context.emit({ code: EVENT_JOB_MISSED, jobId: job.id, jobStore, scheduledRunTime });
        }
        continue;
      }
      const startedAt = new Date(context.clock.now());
      try {
        const func = await submission.resolveFunction();
        const retval = await runInJobContext(
          { jobId: job.id, jobStore, executor: context.alias, scheduledRunTime, signal: this.abort.signal },
          () => func(...job.args),
        );
        if (context.wants(EVENT_JOB_EXECUTED)) {
          context.emit({
            code: EVENT_JOB_EXECUTED,
            jobId: job.id,
            jobStore,
            scheduledRunTime,
            retval,
            startedAt,
            finishedAt: new Date(context.clock.now()),
          });
        }
      } catch (exception) {
        context.logger.error(`Job "${job.name}" (id ${job.id}) raised an exception`, exception);
        context.emit({
          code: EVENT_JOB_ERROR,
          jobId: job.id,
          jobStore,
          scheduledRunTime,
          exception,
          traceback: exception instanceof Error ? exception.stack : String(exception),
          startedAt,
          finishedAt: new Date(context.clock.now()),
        });
      }
    }
  }
}

registerExecutorType('async', (options) => new AsyncExecutor(options as AsyncExecutorOptions));
