import { availableParallelism } from 'node:os';
import type { JobState } from '../job-state.js';
import { BaseExecutor, readPositiveInteger, type RunAttempt } from './base-executor.js';
import type { ExecutorContext } from './executor.js';
import { assertWorkerJob, workerTarget, type WorkerTarget } from './job-reference.js';
import { spawnProcess } from './pool/spawn-process.js';
import { spawnThread } from './pool/spawn-thread.js';
import { PROCESS_SOURCE, THREAD_SOURCE } from './pool/worker-source.js';
import { WorkerPool } from './pool/worker-pool.js';

/** Options of `ThreadExecutor` and `ProcessExecutor`. */
export interface PoolExecutorOptions {
  /** Workers at most, each running one job at a time; started when needed, then kept. Default `os.availableParallelism()`. */
  maxWorkers?: number;
  /**
   * Heap limit of each worker, in MB (`resourceLimits.maxOldGenerationSizeMb` for a thread,
   * `--max-old-space-size` for a process). A job that needs more fails quickly with a
   * `WorkerCrashedError` whose `reason` is `'out-of-memory'`. Default: Node's own limit.
   */
  memoryLimitMb?: number;
}

/**
 * What `ThreadExecutor` and `ProcessExecutor` share: jobs given by `'module:export'` reference run
 * in a pool of workers; args and return values cross by structured clone, errors keep their name,
 * message and stack. A worker that dies fails its run with a `WorkerCrashedError` and is replaced.
 */
export abstract class PoolExecutor extends BaseExecutor {
  readonly maxWorkers: number;
  readonly memoryLimitMb: number | undefined;
  private pool: WorkerPool | undefined;
  private readonly targets = new Map<string, WorkerTarget>();

  protected constructor(
    private readonly kind: 'thread' | 'process',
    options: PoolExecutorOptions,
  ) {
    const maxWorkers = readPositiveInteger(options.maxWorkers ?? availableParallelism(), 'maxWorkers');
    super(maxWorkers);
    this.maxWorkers = maxWorkers;
    this.memoryLimitMb =
      options.memoryLimitMb === undefined
        ? undefined
        : readPositiveInteger(options.memoryLimitMb, 'memoryLimitMb');
  }

  /** Refuses a function (a closure cannot reach a worker) and args a structured clone cannot copy. */
  validateJob(job: JobState): void {
    const context = this.context;
    assertWorkerJob(
      job,
      this.kind,
      context === undefined ? undefined : (name) => context.taskReference?.(name),
    );
  }

  protected override onStart(context: ExecutorContext): void {
    this.targets.clear();
    this.pool = new WorkerPool({
      kind: this.kind,
      maxWorkers: this.maxWorkers,
      memoryLimitMb: this.memoryLimitMb,
      source: this.kind === 'thread' ? THREAD_SOURCE : PROCESS_SOURCE,
      spawn: this.kind === 'thread' ? spawnThread : spawnProcess,
      logger: context.logger,
    });
  }

  protected override async onShutdown(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  protected execute(attempt: RunAttempt): Promise<unknown> {
    const context = this.context as ExecutorContext;
    const { job, jobStore } = attempt.submission;
    const { specifier, exportPath } = this.target(job, context);
    return (this.pool as WorkerPool).run(
      {
        specifier,
        exportPath,
        args: job.args,
        context: {
          jobId: job.id,
          jobStore,
          executor: context.alias,
          scheduledRunTime: attempt.scheduledRunTime,
        },
      },
      attempt,
    );
  }

  private target(job: JobState, context: ExecutorContext): WorkerTarget {
    const key = typeof job.func === 'string' ? job.func : undefined;
    const cached = key === undefined ? undefined : this.targets.get(key);
    if (cached !== undefined) return cached;
    const target = workerTarget(job.func, job.id, this.kind, context.baseDir ?? process.cwd(), (name) =>
      context.taskReference?.(name),
    );
    if (key !== undefined) this.targets.set(key, target);
    return target;
  }
}
