import { availableParallelism } from 'node:os';
import type { JobState } from '../job-state.js';
import type { Executor, ExecutorContext, RunAttempt } from './executor.js';
import { assertWorkerJob, workerTarget, type WorkerTarget } from './job-reference.js';
import { spawnProcess } from './pool/spawn-process.js';
import { spawnThread } from './pool/spawn-thread.js';
import { readPositiveInteger } from './read-options.js';
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
export abstract class PoolExecutor implements Executor {
  readonly maxWorkers: number;
  readonly memoryLimitMb: number | undefined;
  readonly runs = 'references';
  private pool: WorkerPool | undefined;
  private context: ExecutorContext | undefined;
  private readonly targets = new Map<string, WorkerTarget>();

  protected constructor(
    private readonly kind: 'thread' | 'process',
    options: PoolExecutorOptions,
  ) {
    this.maxWorkers = readPositiveInteger(options.maxWorkers ?? availableParallelism(), 'maxWorkers');
    this.memoryLimitMb =
      options.memoryLimitMb === undefined
        ? undefined
        : readPositiveInteger(options.memoryLimitMb, 'memoryLimitMb');
  }

  get concurrency(): number {
    return this.maxWorkers;
  }

  /** Refuses a function (a closure cannot reach a worker) and args a structured clone cannot copy. */
  validateJob(job: JobState, reference: string | undefined): void {
    assertWorkerJob(job, reference, this.kind);
  }

  async start(context: ExecutorContext): Promise<void> {
    this.context = context;
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

  /** Terminates the workers (no attempt is running by now). */
  async shutdown(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  execute(attempt: RunAttempt): Promise<unknown> {
    const context = this.context as ExecutorContext;
    const { job, jobStore } = attempt;
    let target: WorkerTarget;
    try {
      target = this.target(job, attempt.reference, context.baseDir);
    } catch (error) {
      return Promise.reject(error);
    }
    return (this.pool as WorkerPool).run(
      {
        specifier: target.specifier,
        exportPath: target.exportPath,
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

  private target(job: JobState, reference: string | undefined, baseDir: string): WorkerTarget {
    const cached = reference === undefined ? undefined : this.targets.get(reference);
    if (cached !== undefined) return cached;
    const target = workerTarget(job.func, reference, job.id, this.kind, baseDir);
    if (reference !== undefined) this.targets.set(reference, target);
    return target;
  }
}
