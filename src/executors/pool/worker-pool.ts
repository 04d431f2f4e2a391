// Our own pool rather than tinypool (a dependency we would otherwise use), because tinypool 2 cannot
// do what the executors promise: with `runtime: 'worker_threads'` it ignores a worker's 'exit', so a
// job that calls process.exit() leaves its run pending forever; with `runtime: 'child_process'`
// every death is "Worker exited unexpectedly", without the exit code, signal or out-of-memory cause
// the run's error must carry; and a thread's error loses its class name on the way back. This pool
// is small because the executor above it already queues, limits concurrency and times runs out.
import type { Logger } from '../../logger.js';
import type { RunAttempt } from '../executor.js';
import { ExecutorShutdownError, WorkerCrashedError, type WorkerExitReason } from '../errors.js';
import { reviveError, type RunRequest, type SerializedError, type WorkerMessage } from './protocol.js';
import type { Spawner, WorkerDeath, WorkerHandle } from './worker-handle.js';

export interface WorkerPoolOptions {
  kind: 'thread' | 'process';
  maxWorkers: number;
  memoryLimitMb: number | undefined;
  /** The worker's code (`THREAD_SOURCE` or `PROCESS_SOURCE`). */
  source: string;
  spawn: Spawner;
  logger: Logger;
}

interface Task {
  request: RunRequest;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  worker: PoolWorker | null;
  settled: boolean;
}

interface PoolWorker {
  handle: WorkerHandle;
  ready: boolean;
  task: Task | null;
  /** The uncaught exception the worker reported before exiting. */
  fatal: SerializedError | null;
  /** Terminated by the pool (timeout, shutdown): its task was already settled. */
  retired: boolean;
}

/**
 * Up to `maxWorkers` workers (threads or processes), started when runs need them and kept, each
 * running one job at a time. A worker that dies fails its run with a `WorkerCrashedError` saying
 * why, and the next run gets a fresh worker; aborting a run terminates its worker.
 */
export class WorkerPool {
  private readonly workers = new Set<PoolWorker>();
  private idle: PoolWorker[] = [];
  private queue: Task[] = [];
  private readonly exits = new Set<Promise<void>>();
  private nextId = 1;
  private starting = 0;

  constructor(private readonly options: WorkerPoolOptions) {}

  /**
   * Runs `request` on a free worker. When `attempt` is aborted the run rejects at once with the
   * reason, and its worker (if it had one) is terminated.
   */
  run(request: Omit<RunRequest, 'type' | 'id'>, attempt: Pick<RunAttempt, 'onAbort'>): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const task: Task = {
        request: { type: 'run', id: this.nextId++, ...request },
        resolve,
        reject,
        worker: null,
        settled: false,
      };
      this.queue.push(task);
      attempt.onAbort((reason) => this.abort(task, reason));
      this.dispatch();
    });
  }

  /** Terminates every worker (failing any run still on one) and resolves when all are gone. */
  async close(): Promise<void> {
    const reason = new ExecutorShutdownError('The worker pool was closed');
    for (const task of this.queue) this.settle(task, false, reason);
    this.queue = [];
    for (const worker of [...this.workers]) {
      if (worker.task !== null) this.settle(worker.task, false, reason);
      this.retire(worker);
    }
    while (this.exits.size > 0) await Promise.all([...this.exits]);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop();
      if (worker === undefined) break;
      this.assign(worker, this.queue.shift() as Task);
    }
    while (this.queue.length > this.starting && this.workers.size < this.options.maxWorkers) this.spawn();
  }

  private assign(worker: PoolWorker, task: Task): void {
    try {
      worker.handle.send(task.request);
    } catch (error) {
      // Args that cannot be cloned: the run fails, the worker stays free.
      this.idle.push(worker);
      this.settle(task, false, error);
      return;
    }
    worker.task = task;
    task.worker = worker;
    worker.handle.ref();
  }

  private spawn(): void {
    const { source, memoryLimitMb } = this.options;
    this.starting++;
    let exitDone!: () => void;
    const exited = new Promise<void>((resolve) => (exitDone = resolve));
    this.exits.add(exited);
    // The handle is set before any event can arrive: workers report asynchronously.
    const worker = { ready: false, task: null, fatal: null, retired: false } as unknown as PoolWorker;
    worker.handle = this.options.spawn(
      { source, memoryLimitMb },
      {
        message: (message) => this.onMessage(worker, message),
        exit: (death) => {
          this.exits.delete(exited);
          exitDone();
          this.onExit(worker, death);
        },
      },
    );
    this.workers.add(worker);
  }

  private onMessage(worker: PoolWorker, message: WorkerMessage): void {
    if (message.type === 'fatal') {
      worker.fatal = message.error;
      return;
    }
    if (message.type === 'ready') {
      worker.ready = true;
      this.starting--;
    } else {
      const task = worker.task;
      if (task === null || task.request.id !== message.id) return;
      worker.task = null;
      if (message.ok) this.settle(task, true, message.value);
      else this.settle(task, false, reviveError(message.error));
    }
    if (worker.retired) return;
    this.idle.push(worker);
    this.dispatch();
    if (worker.task === null) worker.handle.unref();
  }

  private onExit(worker: PoolWorker, death: WorkerDeath): void {
    if (!worker.ready) this.starting--;
    this.workers.delete(worker);
    this.idle = this.idle.filter((other) => other !== worker);
    if (worker.retired) {
      this.dispatch();
      return;
    }
    const task = worker.task;
    const error = this.crashError(worker, death, task);
    if (task !== null) {
      this.settle(task, false, error);
    } else if (!worker.ready && this.queue.length > 0) {
      // A worker that cannot even start fails the run waiting for it, rather than respawning forever.
      this.settle(this.queue.shift() as Task, false, error);
    } else {
      this.options.logger.warn(`An idle ${this.options.kind} worker died: ${error.message}`);
    }
    this.dispatch();
  }

  private abort(task: Task, reason: unknown): void {
    if (task.settled) return;
    const worker = task.worker;
    if (worker === null) {
      this.queue = this.queue.filter((other) => other !== task);
    } else {
      worker.task = null;
      this.retire(worker);
    }
    this.settle(task, false, reason);
    this.dispatch();
  }

  /** Terminates a worker the pool no longer wants; its exit is then expected. */
  private retire(worker: PoolWorker): void {
    worker.retired = true;
    this.workers.delete(worker);
    this.idle = this.idle.filter((other) => other !== worker);
    worker.handle.terminate().catch((error: unknown) => {
      this.options.logger.error(`Could not terminate ${this.options.kind} worker ${worker.handle.id}`, error);
    });
  }

  private settle(task: Task, ok: boolean, value: unknown): void {
    if (task.settled) return;
    task.settled = true;
    task.worker = null;
    if (ok) task.resolve(value);
    else task.reject(value);
  }

  private crashError(worker: PoolWorker, death: WorkerDeath, task: Task | null): WorkerCrashedError {
    const { kind, memoryLimitMb } = this.options;
    const what =
      kind === 'thread' ? `Worker thread ${worker.handle.id}` : `Worker process ${worker.handle.id}`;
    const during =
      task === null
        ? worker.ready
          ? ''
          : ' while starting'
        : ` while running job "${task.request.context.jobId}"`;
    const details = { workerKind: kind, exitCode: death.exitCode, signal: death.signal };
    const fail = (reason: WorkerExitReason, message: string, cause?: unknown) =>
      new WorkerCrashedError(`${what} ${message}${during}`, { ...details, reason, cause });
    const threadError = death.error as { code?: unknown; message?: unknown } | undefined;
    if (
      threadError?.code === 'ERR_WORKER_OUT_OF_MEMORY' ||
      /heap out of memory|Reached heap limit/.test(death.stderrTail ?? '')
    ) {
      const limit = memoryLimitMb === undefined ? '' : ` (memoryLimitMb: ${memoryLimitMb})`;
      return fail('out-of-memory', `ran out of memory${limit}`, death.error);
    }
    if (worker.fatal !== null) {
      const cause = reviveError(worker.fatal);
      const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      return fail('uncaught-exception', `died of an uncaught exception (${text})`, cause);
    }
    if (death.signal !== null) return fail('signal', `was killed by signal ${death.signal}`);
    if (death.error !== undefined) {
      const text = death.error instanceof Error ? death.error.message : String(death.error);
      return fail(worker.ready ? 'uncaught-exception' : 'startup', `failed: ${text}`, death.error);
    }
    return fail(
      worker.ready ? 'exit' : 'startup',
      `exited with code ${death.exitCode}${worker.ready ? ' (did the job call process.exit()?)' : ''}`,
    );
  }
}
