import { HoraeError } from '../errors.js';

/**
 * A run took longer than its job's `timeout`. It is the `exception` of the run's `EVENT_JOB_ERROR`
 * (with `timedOut: true`) and the `reason` of the job's aborted `AbortSignal`.
 */
export class JobTimeoutError extends HoraeError {
  readonly jobId: string;
  /** The job's timeout, in seconds. */
  readonly timeout: number;
  constructor(jobId: string, timeout: number) {
    super('ERR_JOB_TIMEOUT', `Job "${jobId}" timed out after ${timeout} s`);
    this.jobId = jobId;
    this.timeout = timeout;
  }
}

/** Why a worker died: see `WorkerCrashedError.reason`. */
export type WorkerExitReason = 'exit' | 'signal' | 'out-of-memory' | 'uncaught-exception' | 'startup';

/**
 * The thread or process a run was executing in died before the run finished: the job called
 * `process.exit`, ran out of memory, was killed by a signal, or left an exception uncaught outside
 * its own promise (in a timer, say). The pool replaces the worker; other runs carry on.
 */
export class WorkerCrashedError extends HoraeError {
  readonly reason: WorkerExitReason;
  readonly workerKind: 'thread' | 'process';
  /** The exit code, when the worker exited with one. */
  readonly exitCode: number | null;
  /** The signal that killed a worker process (`'SIGKILL'`, ...), else `null`. */
  readonly signal: string | null;
  constructor(
    message: string,
    details: {
      reason: WorkerExitReason;
      workerKind: 'thread' | 'process';
      exitCode?: number | null;
      signal?: string | null;
      cause?: unknown;
    },
  ) {
    super('ERR_WORKER_CRASHED', message, { cause: details.cause });
    this.reason = details.reason;
    this.workerKind = details.workerKind;
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
  }
}

/**
 * A run was stopped by `shutdown({ wait: false })`: it is the `reason` of the aborted job signal and
 * the `exception` of the run's `EVENT_JOB_ERROR`. Also thrown when a job is submitted to an executor that is
 * not running, and by `start` on one that already is.
 */
export class ExecutorShutdownError extends HoraeError {
  readonly executor: string | undefined;
  constructor(message: string, executor?: string) {
    super('ERR_EXECUTOR_SHUTDOWN', message);
    this.executor = executor;
  }
}
