// The executors: the contract, the three built-in executors, and their errors.
export type { AttemptOutcome, Executor, ExecutorContext, RunAttempt } from './executor.js';
export { AsyncExecutor, type AsyncExecutorOptions } from './async-executor.js';
export { ThreadExecutor, type ThreadExecutorOptions } from './thread-executor.js';
export { ProcessExecutor, type ProcessExecutorOptions } from './process-executor.js';
export type { PoolExecutorOptions } from './pool-executor.js';
export {
  ExecutorShutdownError,
  JobTimeoutError,
  WorkerCrashedError,
  type WorkerExitReason,
} from './errors.js';
export { createExecutor, registerExecutorType } from './registry.js';
export { currentJob, runInJobContext, type JobContext } from './job-context.js';
