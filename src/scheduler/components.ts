import { InvalidArgumentError, JobStoreError, LookupError } from '../errors.js';
import { EVENT_JOB_UNREADABLE, type SchedulerEventUnion } from '../events/events.js';
import { AsyncExecutor } from '../executors/async-executor.js';
import type { Executor } from '../executors/executor.js';
import { createExecutor } from '../executors/registry.js';
import type { JobState } from '../job-state.js';
import { RunQueue, type RunQueueHost } from '../runs/run-queue.js';
import type { RunReporter } from '../runs/run-reporter.js';
import type { JobStore, JobStoreContext } from '../stores/job-store.js';
import { MemoryJobStore } from '../stores/memory/memory-job-store.js';
import { createJobStoreFromConfig, createJobStoreFromUrl } from '../stores/registry.js';
import type { FunctionResolver } from './function-resolver.js';
import { Instruments } from './instruments.js';
import { describe, invalidOption, type ExecutorConfig, type JobStoreConfig } from './options.js';
import type { SchedulerSettings } from './settings.js';

/** A job store as configured: an instance, a `{ type }` configuration or a URL. */
export type StoreSpec = JobStore | JobStoreConfig | string;

export interface ComponentsHost {
  settings(): SchedulerSettings;
  readonly reporter: RunReporter;
  readonly resolver: FunctionResolver;
  /** Writes the run records not yet written (see `RunHistory.flush`). */
  flushRuns(): Promise<void>;
  emit(event: SchedulerEventUnion): void;
  /** Checks for due jobs now (a store saw another process change its jobs). */
  wakeup(): void;
  /** A run kept in store `jobStore` ended on this node (see `RunQueueHost.runEnded`). */
  endRun(jobStore: string, runId: string): void;
  /** Called once the runs have ended and their records are written, before the stores close. */
  leave(): Promise<void>;
}

/**
 * A scheduler's job stores and executors, from configuration to shutdown: stores given as
 * configuration or URL are made at start, each executor gets the run queue that runs its jobs
 * (`src/runs/run-queue.ts`), and stopping ends the runs first, then writes the run history, then
 * closes the stores.
 */
export class Components {
  readonly stores = new Map<string, JobStore>();
  /** Stores configured but not made yet (made at start). */
  private readonly storeSpecs = new Map<string, StoreSpec>();
  /** Each executor's run queue, by executor alias. */
  readonly queues = new Map<string, RunQueue>();
  private readonly queueHost: RunQueueHost;
  /** The hooks `horae/metrics` and `horae/tracing` attach (see `instrumentsOf`). */
  readonly instruments: Instruments;

  constructor(private readonly host: ComponentsHost) {
    const { resolver } = host;
    this.instruments = new Instruments(this.queues, host.reporter);
    this.queueHost = {
      clock: () => host.settings().clock,
      logger: () => host.settings().logger,
      reporter: host.reporter,
      resolveFunction: (name) => resolver.cached(name) ?? resolver.resolve(name),
      reference: (func) => (typeof func === 'function' ? undefined : (resolver.taskReference(func) ?? func)),
      instruments: this.instruments,
      runEnded: (run) => {
        if (run.storeRunId !== null) host.endRun(run.jobStore, run.storeRunId);
      },
    };
  }

  /** Takes the stores and executors of `configure` / the constructor (while stopped). */
  configure(
    stores: Record<string, StoreSpec> = {},
    executors: Record<string, Executor | ExecutorConfig> = {},
  ): void {
    const made = Object.entries(executors).map(([alias, executor]) => [alias, toExecutor(executor)] as const);
    for (const [alias, store] of Object.entries(stores)) this.storeSpecs.set(alias, store);
    for (const [alias, executor] of made)
      this.queues.set(alias, new RunQueue(executor, alias, this.queueHost));
  }

  /**
   * Makes and starts the stores and executors, the default ones too when none was given. A node
   * that runs no jobs (the scheduler and client roles) starts no executor.
   */
  async start(): Promise<void> {
    if (!this.queues.has('default'))
      this.queues.set('default', new RunQueue(new AsyncExecutor(), 'default', this.queueHost));
    if (!this.storeSpecs.has('default') && !this.stores.has('default')) {
      this.storeSpecs.set('default', new MemoryJobStore());
    }
    for (const [alias, spec] of this.storeSpecs) this.stores.set(alias, await toStore(spec, alias));
    this.storeSpecs.clear();
    if (this.runsJobs()) {
      for (const [alias, queue] of this.queues) await queue.start(this.executorContext(alias));
    }
    for (const [alias, store] of this.stores) await this.startStore(alias, store);
  }

  /** Whether this node runs jobs: the roles `both` and `worker`. */
  runsJobs(): boolean {
    const { role } = this.host.settings();
    return role === 'both' || role === 'worker';
  }

  /**
   * Executors first (with `wait`, after their running jobs finish; without, aborting them), so runs
   * that end during their shutdown are still recorded; then the run history, then the stores.
   */
  async stop(wait: boolean): Promise<void> {
    const results = [
      ...(await Promise.allSettled([...this.queues.values()].map((queue) => queue.shutdown(wait)))),
      ...(await Promise.allSettled([this.host.flushRuns()])),
      ...(await Promise.allSettled([this.host.leave()])),
      ...(await Promise.allSettled([...this.stores.values()].map((store) => store.shutdown()))),
    ];
    for (const result of results) {
      if (result.status === 'rejected')
        this.host.settings().logger.error('A component failed to shut down', result.reason);
    }
  }

  hasStore(alias: string): boolean {
    return this.stores.has(alias) || this.storeSpecs.has(alias);
  }

  /** Adds a store; made and started at once when the scheduler runs (`started`). */
  async addStore(spec: StoreSpec, alias: string, started: boolean): Promise<void> {
    if (this.hasStore(alias)) {
      throw new InvalidArgumentError(`This scheduler already has a job store by the alias of "${alias}"`, {
        field: 'alias',
        value: alias,
      });
    }
    if (!started) {
      this.storeSpecs.set(alias, spec);
      return;
    }
    const store = await toStore(spec, alias);
    await this.startStore(alias, store);
    this.stores.set(alias, store);
  }

  /** Removes a store (its jobs stay in it), shutting it down when started and asked to. */
  async removeStore(alias: string, shutdown: boolean): Promise<void> {
    const store = this.stores.get(alias);
    if (store === undefined && !this.storeSpecs.delete(alias)) throw new LookupError('job store', alias);
    this.stores.delete(alias);
    if (store !== undefined && shutdown) await store.shutdown();
  }

  /** Adds an executor; started at once when the scheduler runs (`started`). */
  async addExecutor(executor: Executor | ExecutorConfig, alias: string, started: boolean): Promise<void> {
    if (this.queues.has(alias)) {
      throw new InvalidArgumentError(`This scheduler already has an executor by the alias of "${alias}"`, {
        field: 'alias',
        value: alias,
      });
    }
    const queue = new RunQueue(toExecutor(executor), alias, this.queueHost);
    if (started && this.runsJobs()) await queue.start(this.executorContext(alias));
    this.queues.set(alias, queue);
  }

  /** Removes an executor, shutting it down (waiting for its runs unless `wait` is false) when asked to. */
  async removeExecutor(alias: string, options: { shutdown: boolean; wait: boolean }): Promise<void> {
    const queue = this.queues.get(alias);
    if (queue === undefined) throw new LookupError('executor', alias);
    this.queues.delete(alias);
    if (options.shutdown) await queue.shutdown(options.wait);
  }

  lookupStore(alias: string): JobStore {
    const store = this.stores.get(alias);
    if (store === undefined) throw new LookupError('job store', alias);
    return store;
  }

  /**
   * Whether the store `alias` will serialize its jobs, before it is started: an instance says so, a
   * URL or a `{ type }` other than memory will. Throws `LookupError` for an unknown alias.
   */
  willPersist(alias: string): boolean {
    const target = this.stores.get(alias) ?? this.storeSpecs.get(alias);
    if (target === undefined) {
      if (alias === 'default') return false; // the default memory store, made at start
      throw new LookupError('job store', alias);
    }
    if (typeof target === 'string') return true;
    if (isJobStore(target)) return target.persistent;
    return target.type !== 'memory';
  }

  /**
   * Refuses an executor alias the scheduler knows it will not have, and lets the job's executor
   * refuse what it cannot run (a closure on a worker pool), at `addJob`. `started`: whether the
   * scheduler has started (before, an executor may still be added, and the default one is made at
   * start).
   */
  validateForExecutor(state: JobState, started: boolean): void {
    const queue = this.queues.get(state.executor);
    // A node that runs nothing cannot know the executors of the nodes that do.
    if (queue === undefined && !this.runsJobs()) return;
    if (queue !== undefined) return queue.executor.validateJob?.(state, this.queueHost.reference(state.func));
    if (!started && (this.queues.size === 0 || state.executor === 'default')) return;
    const known = [...new Set(['default', ...this.queues.keys()])].join(', ');
    throw new LookupError(
      'executor',
      state.executor,
      `Job "${state.id}" names executor "${state.executor}", which this scheduler does not have; its executors are: ${known}`,
    );
  }

  private async startStore(alias: string, store: JobStore): Promise<void> {
    try {
      await store.start(this.storeContext(alias));
    } catch (cause) {
      if (cause instanceof JobStoreError) throw cause;
      throw new JobStoreError(`Job store "${alias}" failed to start: ${(cause as Error).message}`, {
        jobStore: alias,
        cause,
      });
    }
  }

  private storeContext(alias: string): JobStoreContext {
    const settings = this.host.settings();
    return {
      alias,
      clock: settings.clock,
      logger: settings.logger,
      reportUnreadableJob: (jobId, exception) =>
        this.host.emit({ code: EVENT_JOB_UNREADABLE, jobId, jobStore: alias, exception }),
      wakeup: () => this.host.wakeup(),
    };
  }

  private executorContext(alias: string) {
    const { logger, baseDir } = this.host.settings();
    return { alias, logger, baseDir };
  }
}

function isJobStore(value: unknown): value is JobStore {
  return (
    value !== null && typeof value === 'object' && typeof (value as JobStore).acquireDueJobs === 'function'
  );
}

function toExecutor(executor: Executor | ExecutorConfig): Executor {
  if (
    executor !== null &&
    typeof executor === 'object' &&
    typeof (executor as Executor).execute === 'function'
  ) {
    return executor as Executor;
  }
  if (
    executor !== null &&
    typeof executor === 'object' &&
    typeof (executor as ExecutorConfig).type === 'string'
  ) {
    return createExecutor(executor as ExecutorConfig);
  }
  throw invalidOption('executors', executor, 'an Executor instance or { type: "async", ... }');
}

async function toStore(spec: StoreSpec, alias: string): Promise<JobStore> {
  if (typeof spec === 'string') return createJobStoreFromUrl(spec);
  if (isJobStore(spec)) return spec;
  if (spec !== null && typeof spec === 'object' && typeof spec.type === 'string') {
    return createJobStoreFromConfig(spec);
  }
  throw new JobStoreError(
    `Invalid job store "${alias}": ${describe(spec)}; expected a JobStore, { type: ... } or a URL`,
    { jobStore: alias },
  );
}
