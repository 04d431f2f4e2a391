import { PoolExecutor, type PoolExecutorOptions } from './pool-executor.js';
import { registerExecutorType } from './registry.js';

export type ProcessExecutorOptions = PoolExecutorOptions;

/**
 * Runs jobs in a pool of child processes: the most isolation, so a job that crashes, exhausts its
 * memory or calls `process.exit()` costs one worker process, never the scheduler. A job is given by
 * `'module:export'` reference; args and return values cross by structured clone. A timeout or
 * `shutdown({ wait: false })` kills the job's process (SIGTERM, then SIGKILL after a second).
 *
 * @example
 * const scheduler = new Scheduler({ executors: { isolated: new ProcessExecutor({ maxWorkers: 2, memoryLimitMb: 512 }) } });
 * await scheduler.addJob('./tasks/import.js:run', 'cron', { hour: 3, executor: 'isolated', timeout: 600 });
 */
export class ProcessExecutor extends PoolExecutor {
  constructor(options: ProcessExecutorOptions = {}) {
    super('process', options);
  }
}

registerExecutorType('process', (options) => new ProcessExecutor(options));
