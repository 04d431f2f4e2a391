import { PoolExecutor, type PoolExecutorOptions } from './pool-executor.js';
import { registerExecutorType } from './registry.js';

export type ThreadExecutorOptions = PoolExecutorOptions;

/**
 * Runs jobs on a pool of `worker_threads`, for CPU-bound work that would block the event loop. A
 * job is given by `'module:export'` reference (a function cannot be sent to a thread): the worker
 * imports the module itself. A timeout or `shutdown({ wait: false })` terminates the job's thread.
 *
 * @example
 * const scheduler = new Scheduler({ executors: { cpu: new ThreadExecutor({ maxWorkers: 4 }) } });
 * await scheduler.addJob('./tasks/thumbnails.js:render', 'interval', { minutes: 5, executor: 'cpu', timeout: 60 });
 */
export class ThreadExecutor extends PoolExecutor {
  constructor(options: ThreadExecutorOptions = {}) {
    super('thread', options);
  }
}

registerExecutorType('thread', (options) => new ThreadExecutor(options));
