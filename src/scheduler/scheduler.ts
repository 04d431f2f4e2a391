// The scheduler's public surface (SPEC section 2). It runs past 500 lines because it is the whole
// API in one class, each method a short delegation or check; the run loop (processor.ts), options
// (settings.ts, options.ts), job building (job-builder.ts), function lookup and run planning live apart.
import {
  ConflictingIdError,
  InvalidArgumentError,
  InvalidTriggerError,
  JobLookupError,
  JobStoreError,
  LookupError,
  SchedulerAlreadyRunningError,
  SchedulerNotRunningError,
  SerializationError,
} from '../errors.js';
import {
  EVENT_ALL,
  EVENT_ALL_JOBS_REMOVED,
  EVENT_EXECUTOR_ADDED,
  EVENT_EXECUTOR_REMOVED,
  EVENT_JOBSTORE_ADDED,
  EVENT_JOBSTORE_REMOVED,
  EVENT_JOB_ADDED,
  EVENT_JOB_RETRY,
  EVENT_JOB_UNREADABLE,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MISSED,
  EVENT_JOB_MODIFIED,
  EVENT_JOB_REMOVED,
  EVENT_NAMES,
  EVENT_SCHEDULER_PAUSED,
  EVENT_SCHEDULER_RESUMED,
  EVENT_SCHEDULER_SHUTDOWN,
  EVENT_SCHEDULER_STARTED,
  type EventListener,
  type EventMap,
  type EventName,
  type JobExecutionEvent,
  type SchedulerEventUnion,
} from '../events/events.js';
import { ListenerRegistry } from '../events/listeners.js';
import { AsyncExecutor } from '../executors/async-executor.js';
import type { Executor, ExecutorEvent } from '../executors/executor.js';
import { createExecutor } from '../executors/registry.js';
import { copyJobState, type JobFunction, type JobState } from '../job-state.js';
import type { JobStore, JobStoreContext, RunRecord } from '../stores/job-store.js';
import { MemoryJobStore } from '../stores/memory/memory-job-store.js';
import { createJobStoreFromConfig, createJobStoreFromUrl } from '../stores/registry.js';
import type { TriggerAlias } from '../triggers/registry.js';
import type { Trigger } from '../triggers/trigger.js';
import { FunctionResolver } from './function-resolver.js';
import { Job } from './job.js';
import {
  assertStorable,
  assertWindowInRange,
  buildJob,
  firstRun,
  isTrigger,
  readFunc,
  readNextRunTime,
  type BuildContext,
  type BuiltJob,
} from './job-builder.js';
import {
  JOB_CHANGE_KEYS,
  JOB_OPTION_KEYS,
  describe,
  invalidOption,
  readArgs,
  readBoolean,
  readGraceTime,
  readMaxInstances,
  readNonEmptyString,
  readRetry,
  readTimeout,
  type ExecutorConfig,
  type JobChanges,
  type AddJobOptions,
  type JobStoreConfig,
  type RescheduleOptions,
  type SchedulerOptions,
} from './options.js';
import { JobProcessor } from './processor.js';
import { jitterMs } from './run-plan.js';
import { defaultSettings, readSchedulerOptions, type SchedulerSettings } from './settings.js';

export type SchedulerState = 'stopped' | 'running' | 'paused';

/** Which store an operation looks in; without it, every store is searched. */
export interface StoreSelector {
  jobStore?: string;
}

/** The first argument of `addJob`: a function, a `'module:export'` reference or a registered task name. */
export type JobCallable = JobFunction | string;

function missingExecutor(state: JobState, aliases: Iterable<string>): LookupError {
  const known = [...new Set(['default', ...aliases])].join(', ');
  return new LookupError(
    'executor',
    state.executor,
    `Job "${state.id}" names executor "${state.executor}", which this scheduler does not have; its executors are: ${known}`,
  );
}

/** Events that become run-history records. */
const RECORDED_EVENTS = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED;

/**
 * The scheduler: keeps jobs in job stores, works out when each runs from its trigger, and hands due
 * runs to executors. `await start()` runs it in the background of the event loop; `await run()`
 * resolves only once it is shut down (by `shutdown()`, SIGINT or SIGTERM).
 *
 * @example
 * const scheduler = new Scheduler({ timezone: 'Asia/Shanghai' });
 * await scheduler.addJob(tick, 'interval', { seconds: 3 });
 * await scheduler.start();
 */
export class Scheduler {
  private currentState: SchedulerState = 'stopped';
  private readonly stores = new Map<string, JobStore>();
  private readonly storeConfigs = new Map<string, JobStore | JobStoreConfig | string>();
  private readonly executors = new Map<string, Executor>();
  private pending: BuiltJob[] = [];
  private readonly listeners = new ListenerRegistry(() => this.settings.logger);
  private readonly resolver = new FunctionResolver(() => this.settings.baseDir);
  private settings: SchedulerSettings = defaultSettings();
  private builtFor: SchedulerSettings | null = null;
  private jobBuildContext: BuildContext | null = null;
  private stopWaiters: (() => void)[] = [];
  /** The shutdown in progress, which a second `shutdown()` waits for. */
  private stopping: Promise<void> | null = null;
  private signalHandler: (() => void) | null = null;
  private readonly processor = new JobProcessor({
    isRunning: () => this.currentState === 'running',
    stores: this.stores,
    executors: this.executors,
    listeners: this.listeners,
    settings: () => this.settings,
    emit: (event) => this.emit(event),
    resolveFunction: (func) => this.resolveFunction(func),
  });

  constructor(options: SchedulerOptions = {}) {
    this.applyOptions(options);
  }

  /** The IANA zone of triggers made from aliases and of printed times. */
  get timezone(): string {
    return this.settings.timezone;
  }

  /** `'stopped'`, `'running'` or `'paused'` (started, but not processing jobs). */
  get state(): SchedulerState {
    return this.currentState;
  }

  /** Changes the scheduler's options. Only while stopped: throws `SchedulerAlreadyRunningError` otherwise. */
  configure(options: SchedulerOptions): void {
    if (this.currentState !== 'stopped') throw new SchedulerAlreadyRunningError();
    this.applyOptions(options);
  }

  private applyOptions(options: SchedulerOptions): void {
    const settings = readSchedulerOptions(options, this.settings);
    const executors = new Map<string, Executor>();
    for (const [alias, executor] of Object.entries(options.executors ?? {})) {
      executors.set(alias, this.toExecutor(executor));
    }
    this.settings = settings;
    for (const [alias, store] of Object.entries(options.jobStores ?? {})) this.storeConfigs.set(alias, store);
    for (const [alias, executor] of executors) this.executors.set(alias, executor);
  }

  private toExecutor(executor: Executor | ExecutorConfig): Executor {
    if (
      executor !== null &&
      typeof executor === 'object' &&
      typeof (executor as Executor).submitJob === 'function'
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

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts the executors and job stores, stores the jobs added so far and begins processing.
   * With `{ paused: true }` nothing runs until `resume()`. Throws `SchedulerAlreadyRunningError`
   * when already started; when a store cannot start, or a pending job's id is taken, it throws and
   * stays stopped with every job kept.
   */
  async start(options: { paused?: boolean } = {}): Promise<void> {
    if (this.currentState !== 'stopped') throw new SchedulerAlreadyRunningError();
    this.currentState = options.paused === true ? 'paused' : 'running';
    try {
      if (!this.executors.has('default')) this.executors.set('default', new AsyncExecutor());
      if (!this.storeConfigs.has('default') && !this.stores.has('default')) {
        this.storeConfigs.set('default', new MemoryJobStore());
      }
      for (const [alias, config] of this.storeConfigs) {
        this.stores.set(alias, await this.toStore(config, alias));
      }
      this.storeConfigs.clear();
      for (const [alias, executor] of this.executors) await executor.start(this.executorContext(alias));
      for (const [alias, store] of this.stores) {
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
      await this.storePendingJobs();
    } catch (error) {
      this.currentState = 'stopped';
      await this.stopComponents(false);
      throw error;
    }
    this.emit({ code: EVENT_SCHEDULER_STARTED });
    if (this.currentState === 'running') this.wakeup();
  }

  private async storePendingJobs(): Promise<void> {
    for (const built of this.pending) {
      if (!this.executors.has(built.state.executor))
        throw missingExecutor(built.state, this.executors.keys());
      const store = this.lookupStore(built.jobStore);
      if (!built.replaceExisting && (await store.lookupJob(built.state.id)) !== null) {
        throw new ConflictingIdError(built.state.id);
      }
    }
    const pending = this.pending;
    this.pending = [];
    for (let i = 0; i < pending.length; i++) {
      try {
        await this.storeJob(pending[i] as BuiltJob);
      } catch (error) {
        this.pending = pending.slice(i);
        throw error;
      }
    }
  }

  /**
   * Starts the scheduler and resolves only when it has been shut down: the BlockingScheduler way.
   * SIGINT and SIGTERM shut it down cleanly (waiting for running jobs).
   */
  async run(options: { paused?: boolean } = {}): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    await this.start(options);
    const handler = () => {
      if (this.currentState !== 'stopped')
        void this.shutdown().catch((error) => this.settings.logger.error('Shutdown failed', error));
    };
    this.signalHandler = handler;
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    await stopped;
  }

  /**
   * Stops processing, shuts the executors down (with `wait`, the default, after their running jobs
   * finish; without, aborting them) and closes the job stores. A call while a shutdown is in
   * progress waits for that one, so a SIGINT handler of your own may call it beside `run()`'s.
   * Throws `SchedulerNotRunningError` when stopped.
   */
  async shutdown(options: { wait?: boolean } = {}): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    if (this.currentState === 'stopped') throw new SchedulerNotRunningError();
    this.stopping = this.stop(options.wait ?? true).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async stop(wait: boolean): Promise<void> {
    this.currentState = 'stopped';
    await this.processor.stop();
    await this.stopComponents(wait);
    if (this.signalHandler !== null) {
      process.removeListener('SIGINT', this.signalHandler);
      process.removeListener('SIGTERM', this.signalHandler);
      this.signalHandler = null;
    }
    this.emit({ code: EVENT_SCHEDULER_SHUTDOWN });
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async stopComponents(wait: boolean): Promise<void> {
    // Executors first: runs that end during their shutdown are still recorded in the stores.
    const results = [
      ...(await Promise.allSettled(
        [...this.executors.values()].map((executor) => executor.shutdown({ wait })),
      )),
      ...(await Promise.allSettled([this.processor.flushRuns()])),
      ...(await Promise.allSettled([...this.stores.values()].map((store) => store.shutdown()))),
    ];
    for (const result of results) {
      if (result.status === 'rejected')
        this.settings.logger.error('A component failed to shut down', result.reason);
    }
  }

  /** Stops processing jobs until `resume()`; running jobs go on. */
  pause(): void {
    if (this.currentState === 'stopped') throw new SchedulerNotRunningError();
    if (this.currentState === 'paused') return;
    this.currentState = 'paused';
    this.processor.pause();
    this.emit({ code: EVENT_SCHEDULER_PAUSED });
  }

  resume(): void {
    if (this.currentState === 'stopped') throw new SchedulerNotRunningError();
    if (this.currentState === 'running') return;
    this.currentState = 'running';
    this.emit({ code: EVENT_SCHEDULER_RESUMED });
    this.wakeup();
  }

  /** Checks for due jobs now instead of at the next planned wakeup. */
  wakeup(): void {
    if (this.currentState !== 'running') return;
    void this.processor.wakeup();
  }

  // ---------------------------------------------------------------- components

  /** Adds a job store under `alias`; starts it when the scheduler is running. */
  async addJobStore(store: JobStore | JobStoreConfig | string, alias = 'default'): Promise<void> {
    if (this.stores.has(alias) || this.storeConfigs.has(alias)) {
      throw new InvalidArgumentError(`This scheduler already has a job store by the alias of "${alias}"`, {
        field: 'alias',
        value: alias,
      });
    }
    if (this.currentState === 'stopped') {
      this.storeConfigs.set(alias, store);
    } else {
      const instance = await this.toStore(store, alias);
      await instance.start(this.storeContext(alias));
      this.stores.set(alias, instance);
    }
    this.emit({ code: EVENT_JOBSTORE_ADDED, alias });
    this.wakeup();
  }

  /** Removes the job store `alias` (its jobs stay in it) and shuts it down. */
  async removeJobStore(alias: string, options: { shutdown?: boolean } = {}): Promise<void> {
    const store = this.stores.get(alias);
    if (store === undefined && !this.storeConfigs.delete(alias)) throw new LookupError('job store', alias);
    this.stores.delete(alias);
    if (store !== undefined && this.currentState !== 'stopped' && options.shutdown !== false)
      await store.shutdown();
    this.emit({ code: EVENT_JOBSTORE_REMOVED, alias });
  }

  /** Adds an executor under `alias`; starts it when the scheduler is running. */
  async addExecutor(executor: Executor | ExecutorConfig, alias = 'default'): Promise<void> {
    if (this.executors.has(alias)) {
      throw new InvalidArgumentError(`This scheduler already has an executor by the alias of "${alias}"`, {
        field: 'alias',
        value: alias,
      });
    }
    const instance = this.toExecutor(executor);
    if (this.currentState !== 'stopped') await instance.start(this.executorContext(alias));
    this.executors.set(alias, instance);
    this.emit({ code: EVENT_EXECUTOR_ADDED, alias });
  }

  /** Removes the executor `alias`, shutting it down (waiting for its jobs unless `wait: false`). */
  async removeExecutor(alias: string, options: { shutdown?: boolean; wait?: boolean } = {}): Promise<void> {
    const executor = this.executors.get(alias);
    if (executor === undefined) throw new LookupError('executor', alias);
    this.executors.delete(alias);
    if (this.currentState !== 'stopped' && options.shutdown !== false) {
      await executor.shutdown({ wait: options.wait ?? true });
    }
    this.emit({ code: EVENT_EXECUTOR_REMOVED, alias });
  }

  private async toStore(config: JobStore | JobStoreConfig | string, alias: string): Promise<JobStore> {
    if (typeof config === 'string') return createJobStoreFromUrl(config);
    if (
      config !== null &&
      typeof config === 'object' &&
      typeof (config as JobStore).acquireDueJobs === 'function'
    ) {
      return config as JobStore;
    }
    if (
      config !== null &&
      typeof config === 'object' &&
      typeof (config as JobStoreConfig).type === 'string'
    ) {
      return createJobStoreFromConfig(config as JobStoreConfig);
    }
    throw new JobStoreError(
      `Invalid job store "${alias}": ${describe(config)}; expected a JobStore, { type: ... } or a URL`,
      { jobStore: alias },
    );
  }

  private lookupStore(alias: string): JobStore {
    const store = this.stores.get(alias);
    if (store === undefined) throw new LookupError('job store', alias);
    return store;
  }

  private storeContext(alias: string): JobStoreContext {
    return {
      alias,
      clock: this.settings.clock,
      logger: this.settings.logger,
      reportUnreadableJob: (jobId, exception) =>
        this.emit({ code: EVENT_JOB_UNREADABLE, jobId, jobStore: alias, exception }),
    };
  }

  private executorContext(alias: string) {
    return {
      alias,
      clock: this.settings.clock,
      logger: this.settings.logger,
      baseDir: this.settings.baseDir,
      taskReference: (name: string) => this.resolver.taskReference(name),
      emit: (event: ExecutorEvent) => {
        this.emit(event);
        // Retry attempts are events, not runs: the run's record is its final outcome.
        if (event.code !== EVENT_JOB_RETRY) this.processor.recordRun(event as JobExecutionEvent);
      },
      // Run history records executed, failed and missed runs, so those are wanted even unheard.
      wants: (code: number) =>
        this.listeners.wants(code) || (this.settings.runRetention > 0 && (code & RECORDED_EVENTS) !== 0),
      runs: {
        schedulerId: this.settings.schedulerId,
        record:
          this.settings.runRetention > 0
            ? (jobStore: string, record: RunRecord) => this.processor.keepRun(jobStore, record)
            : undefined,
        publish: (event: ExecutorEvent) => this.emit(event),
        listens: (code: number) => this.listeners.wants(code),
      },
    };
  }

  // ---------------------------------------------------------------- tasks and events

  /**
   * Names a job function so jobs can refer to it by a string that survives persistence:
   * `addJob('send-report', ...)`. Registered as a `'module:export'` reference (await it), the task
   * also runs on thread and process executors; a function is registered at once.
   */
  registerTask(name: string, fn: JobFunction | string): Promise<void> {
    return this.resolver.registerTask(name, fn);
  }

  /** Calls `callback` for every event whose code is in `mask` (default: all events). */
  addListener(callback: EventListener, mask: number = EVENT_ALL): void {
    if (typeof callback !== 'function') throw invalidOption('callback', callback, 'a function');
    this.listeners.add(callback, mask);
  }

  removeListener(callback: EventListener): void {
    this.listeners.remove(callback);
  }

  /** Typed listener for one event by name: `scheduler.on('job_executed', (event) => event.retval)`. */
  on<K extends EventName>(name: K, listener: (event: EventMap[K]) => void): this {
    const code = EVENT_NAMES[name];
    if (code === undefined) {
      throw new InvalidArgumentError(
        `Unknown event name ${JSON.stringify(name)}; valid names are: ${Object.keys(EVENT_NAMES).join(', ')}`,
        { field: 'name', value: name },
      );
    }
    this.listeners.add(listener as EventListener, code);
    return this;
  }

  off<K extends EventName>(_name: K, listener: (event: EventMap[K]) => void): this {
    this.listeners.remove(listener as EventListener);
    return this;
  }

  private emit(event: SchedulerEventUnion): void {
    this.listeners.dispatch(event);
  }

  // ---------------------------------------------------------------- jobs

  /**
   * Adds a job. `trigger` is a Trigger instance or an alias (`'date'`, `'interval'`, `'cron'`, ...)
   * whose own options go in `options` beside the job options; no trigger runs the job once, now.
   * Bad input throws (`InvalidTriggerError`, `InvalidArgumentError`, `FunctionLookupError`,
   * `ConflictingIdError`, `SerializationError`) and changes nothing.
   */
  addJob<T extends TriggerAlias | Trigger | null | undefined = undefined>(
    func: JobCallable,
    trigger?: T,
    options?: AddJobOptions<T>,
  ): Promise<Job> {
    // Not an async function: the usual job (a function, checked at once) goes to the store with
    // one promise less, which counts when 100,000 jobs are added in a loop. Errors still reject.
    let built: BuiltJob;
    try {
      built = buildJob(func, trigger, options, this.buildContext());
      this.validateForExecutor(built.state);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (typeof built.state.func === 'string') {
      return this.resolver.resolve(built.state.func).then(() => this.addBuiltJob(built));
    }
    return this.addBuiltJob(built);
  }

  /**
   * The decorator form of `addJob`: `scheduler.scheduledJob('cron', { hour: 8 })(fn)` adds `fn` and
   * returns it. Bad input throws at once; a failure to store the job is logged.
   */
  scheduledJob<T extends TriggerAlias | Trigger>(
    trigger: T,
    options?: Partial<AddJobOptions<T>>,
  ): <F extends JobFunction>(fn: F) => F {
    return (fn) => {
      const built = buildJob(fn, trigger, options, this.buildContext());
      this.validateForExecutor(built.state);
      this.addBuiltJob(built).catch((error) =>
        this.settings.logger.error(`Could not add job "${built.state.id}"`, error),
      );
      return fn;
    };
  }

  /** What `buildJob` reads from the settings; made again only when they change. */
  private buildContext(): BuildContext {
    const { settings } = this;
    if (this.builtFor !== settings) {
      this.builtFor = settings;
      this.jobBuildContext = {
        timezone: settings.timezone,
        defaults: settings.jobDefaults,
        now: () => settings.clock.now(),
      };
    }
    return this.jobBuildContext as BuildContext;
  }

  /**
   * Refuses an executor alias the scheduler knows it will not have, and lets the job's executor
   * refuse what it cannot run (a closure on a worker pool), at `addJob`.
   */
  private validateForExecutor(state: JobState): void {
    const executor = this.executors.get(state.executor);
    if (executor !== undefined) return executor.validateJob?.(state);
    // Before start() with no executor configured, one may still be added: start() checks then.
    // The default executor is made at start when none is given.
    if (this.currentState === 'stopped' && (this.executors.size === 0 || state.executor === 'default'))
      return;
    throw missingExecutor(state, this.executors.keys());
  }

  private async addBuiltJob(built: BuiltJob): Promise<Job> {
    if (this.currentState === 'stopped') {
      // Check now what the store will require, so bad args fail at addJob and not at start().
      assertStorable(built.state, this.willPersist(built.jobStore), built.jobStore);
      const existing = this.pending.findIndex((job) => job.state.id === built.state.id);
      if (existing >= 0) {
        if (!built.replaceExisting) throw new ConflictingIdError(built.state.id);
        this.pending.splice(existing, 1);
      }
      // The first run is worked out at start; ask the trigger now so one that can never fire
      // (an and-trigger whose parts never agree) fails at addJob, not at start().
      if (!built.explicitNextRunTime) {
        firstRun(built.state.trigger, this.settings.clock.now(), jitterMs, built.triggerOptions);
      }
      this.pending.push(built);
      return new Job(this, built.state, built.jobStore, true);
    }
    // The built state is this call's own, so it is stored as it is rather than copied.
    const state = await this.storeJob(built, false);
    return new Job(this, state, built.jobStore, false);
  }

  /**
   * Whether the store `alias` will serialize its jobs, before it is started: an instance says so, a
   * URL or a `{ type }` other than memory will. Throws `LookupError` for an unknown alias.
   */
  private willPersist(alias: string): boolean {
    const target = this.stores.get(alias) ?? this.storeConfigs.get(alias);
    if (target === undefined) {
      if (alias === 'default') return false; // the default memory store, made at start
      throw new LookupError('job store', alias);
    }
    if (typeof target === 'string') return true;
    if (typeof (target as JobStore).acquireDueJobs === 'function') return (target as JobStore).persistent;
    return (target as JobStoreConfig).type !== 'memory';
  }

  /**
   * Stores a job, computing its first run unless one was given; emits `EVENT_JOB_ADDED`. `copy`
   * when the built state is shared (a pending job's, which its `Job` handle also shows).
   */
  private async storeJob(built: BuiltJob, copy = true): Promise<JobState> {
    const store = this.lookupStore(built.jobStore);
    assertStorable(built.state, store.persistent, built.jobStore);
    const state = copy ? copyJobState(built.state) : built.state;
    if (!built.explicitNextRunTime) {
      const first = firstRun(state.trigger, this.settings.clock.now(), jitterMs, built.triggerOptions);
      state.nextRunTime = first.nextRunTime;
      state.nextFireTime = first.nextFireTime;
    }
    try {
      await store.addJob(state);
    } catch (error) {
      if (!(error instanceof ConflictingIdError) || !built.replaceExisting) throw error;
      await store.updateJob(state);
    }
    if (this.listeners.wants(EVENT_JOB_ADDED)) {
      this.emit({ code: EVENT_JOB_ADDED, jobId: state.id, jobStore: built.jobStore });
    }
    this.processor.scheduleCheck(state.nextRunTime);
    return state;
  }

  /** Finds a job (pending or stored) by id; throws `JobLookupError`. */
  private async findJob(
    id: string,
    jobStore?: string,
  ): Promise<{ state: JobState; alias: string; pending: boolean }> {
    const pending = this.pending.find(
      (job) => job.state.id === id && (jobStore === undefined || job.jobStore === jobStore),
    );
    if (pending !== undefined) return { state: pending.state, alias: pending.jobStore, pending: true };
    for (const [alias, store] of this.stores) {
      if (jobStore !== undefined && alias !== jobStore) continue;
      const state = await store.lookupJob(id);
      if (state !== null) return { state, alias, pending: false };
    }
    throw new JobLookupError(id, jobStore);
  }

  /**
   * Changes a job's options: any of `name`, `func`, `args`, `misfireGraceTime`, `coalesce`,
   * `maxInstances`, `nextRunTime`, `trigger`, `executor`. Resolves to the job as changed.
   */
  async modifyJob(id: string, changes: JobChanges, selector: StoreSelector = {}): Promise<Job> {
    if (changes === null || typeof changes !== 'object') throw invalidOption('changes', changes, 'an object');
    const found = await this.findJob(id, selector.jobStore);
    const state = copyJobState(found.state);
    for (const [key, value] of Object.entries(changes)) {
      switch (key as (typeof JOB_CHANGE_KEYS)[number]) {
        case 'name':
          state.name = readNonEmptyString(value, 'name');
          break;
        case 'func':
          state.func = readFunc(value);
          if (typeof state.func === 'string') await this.resolver.resolve(state.func);
          break;
        case 'args':
          state.args = [...readArgs(value)];
          break;
        case 'misfireGraceTime':
          state.misfireGraceTime = readGraceTime(value);
          break;
        case 'coalesce':
          state.coalesce = readBoolean(value, 'coalesce');
          break;
        case 'maxInstances':
          state.maxInstances = readMaxInstances(value);
          break;
        case 'nextRunTime':
          state.nextRunTime = readNextRunTime(value, this.settings.timezone);
          state.nextFireTime = state.nextRunTime;
          break;
        case 'trigger':
          if (!isTrigger(value))
            throw new InvalidTriggerError(`Invalid trigger ${describe(value)}`, { field: 'trigger', value });
          assertWindowInRange(value, null);
          state.trigger = value;
          break;
        case 'executor':
          state.executor = readNonEmptyString(value, 'executor');
          break;
        case 'timeout':
          state.timeout = readTimeout(value);
          break;
        case 'retry':
          state.retry = readRetry(value);
          break;
        default:
          throw new InvalidArgumentError(
            `Cannot modify "${key}"; modifiable job options are: ${JOB_CHANGE_KEYS.join(', ')}`,
            { field: key, value },
          );
      }
    }
    if ('func' in changes || 'executor' in changes || 'args' in changes) this.validateForExecutor(state);
    return this.saveModified(found, state);
  }

  private async saveModified(found: { alias: string; pending: boolean }, state: JobState): Promise<Job> {
    if (found.pending) {
      const entry = this.pending.find((job) => job.state.id === state.id);
      if (entry !== undefined) {
        entry.state = state;
        if (state.nextRunTime !== null || entry.explicitNextRunTime) entry.explicitNextRunTime = true;
      }
      return new Job(this, state, found.alias, true);
    }
    const store = this.lookupStore(found.alias);
    assertStorable(state, store.persistent, found.alias);
    await store.updateJob(state);
    this.emit({ code: EVENT_JOB_MODIFIED, jobId: state.id, jobStore: found.alias });
    this.processor.scheduleCheck(state.nextRunTime);
    return new Job(this, state, found.alias, false);
  }

  /** Gives a job a new trigger (instance, or alias with its options) and computes its next run time from it. */
  async rescheduleJob<T extends TriggerAlias | Trigger>(
    id: string,
    trigger: T,
    options?: RescheduleOptions<T>,
  ): Promise<Job> {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw invalidOption('options', options, 'an object of trigger options');
    }
    const { jobStore, ...triggerOptions } = (options ?? {}) as StoreSelector & Record<string, unknown>;
    for (const key of Object.keys(triggerOptions)) {
      // buildJob would take these as the job's and drop them: they are modifyJob's to change.
      if ((JOB_OPTION_KEYS as readonly string[]).includes(key)) {
        throw new InvalidArgumentError(
          `rescheduleJob changes only the trigger; to change "${key}", use modifyJob(id, { ${key} })`,
          { field: key, value: triggerOptions[key] },
        );
      }
    }
    const built = buildJob(() => undefined, trigger, triggerOptions, this.buildContext());
    const found = await this.findJob(id, jobStore);
    const state = copyJobState(found.state);
    state.trigger = built.state.trigger;
    Object.assign(state, firstRun(state.trigger, this.settings.clock.now(), jitterMs, built.triggerOptions));
    return this.saveModified(found, state);
  }

  /** Stops a job from running until `resumeJob`. */
  async pauseJob(id: string, selector: StoreSelector = {}): Promise<Job> {
    return this.modifyJob(id, { nextRunTime: null }, selector);
  }

  /**
   * Resumes a paused job from its trigger's next fire time; when the trigger will not fire again,
   * removes the job and resolves to `null`.
   */
  async resumeJob(id: string, selector: StoreSelector = {}): Promise<Job | null> {
    const found = await this.findJob(id, selector.jobStore);
    const state = copyJobState(found.state);
    Object.assign(state, firstRun(state.trigger, this.settings.clock.now(), jitterMs));
    if (state.nextRunTime === null) {
      await this.removeJob(id, { jobStore: found.alias });
      return null;
    }
    return this.saveModified(found, state);
  }

  /**
   * Removes a job; throws `JobLookupError` when there is none by that id. A stored job that cannot
   * be read (`EVENT_JOB_UNREADABLE`) can still be removed.
   */
  async removeJob(id: string, selector: StoreSelector = {}): Promise<void> {
    const { jobStore } = selector;
    const pending = this.pending.filter(
      (job) => job.state.id === id && (jobStore ?? job.jobStore) === job.jobStore,
    );
    if (pending.length > 0) {
      this.pending = this.pending.filter((job) => !pending.includes(job));
      return;
    }
    for (const [alias, store] of this.stores) {
      if (jobStore !== undefined && alias !== jobStore) continue;
      try {
        if ((await store.lookupJob(id)) === null) continue;
      } catch (error) {
        if (!(error instanceof SerializationError)) throw error;
      }
      await store.removeJob(id);
      this.emit({ code: EVENT_JOB_REMOVED, jobId: id, jobStore: alias });
      return;
    }
    throw new JobLookupError(id, jobStore);
  }

  /** Removes every job, of one store or of all. */
  async removeAllJobs(jobStore?: string): Promise<void> {
    if (
      jobStore !== undefined &&
      !this.stores.has(jobStore) &&
      !this.storeConfigs.has(jobStore) &&
      jobStore !== 'default'
    ) {
      throw new LookupError('job store', jobStore);
    }
    this.pending = this.pending.filter((job) => jobStore !== undefined && job.jobStore !== jobStore);
    for (const [alias, store] of this.stores) {
      if (jobStore === undefined || alias === jobStore) await store.removeAllJobs();
    }
    this.emit({ code: EVENT_ALL_JOBS_REMOVED, jobStore });
  }

  /** The job with this id, or `null`. */
  async getJob(id: string, selector: StoreSelector = {}): Promise<Job | null> {
    try {
      const found = await this.findJob(id, selector.jobStore);
      return new Job(this, copyJobState(found.state), found.alias, found.pending);
    } catch (error) {
      if (error instanceof JobLookupError) return null;
      throw error;
    }
  }

  /**
   * Every job (pending ones first), of one store or of all, each store's ordered by next run time.
   * While stopped, persistent stores are closed: their jobs are not listed, the pending ones are.
   */
  async getJobs(selector: StoreSelector = {}): Promise<Job[]> {
    const jobs = this.pending
      .filter((job) => selector.jobStore === undefined || job.jobStore === selector.jobStore)
      .map((job) => new Job(this, copyJobState(job.state), job.jobStore, true));
    for (const [alias, store] of this.listedStores(selector.jobStore)) {
      for (const state of await store.getAllJobs()) jobs.push(new Job(this, state, alias, false));
    }
    return jobs;
  }

  /** The stores `getJobs` reads: a persistent one only while started (else it is closed). */
  private listedStores(jobStore: string | undefined): [string, JobStore][] {
    return [...this.stores].filter(
      ([alias, store]) =>
        (jobStore === undefined || alias === jobStore) &&
        (this.currentState !== 'stopped' || !store.persistent),
    );
  }

  /**
   * Prints the jobs, grouped by store, with their triggers and next run times, and returns the text.
   * `out` receives each line (default: standard output).
   */
  async printJobs(options: StoreSelector & { out?: (line: string) => void } = {}): Promise<string> {
    if (options.out !== undefined && typeof options.out !== 'function') {
      throw invalidOption('out', options.out, 'a function that takes each line');
    }
    const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
    const lines: string[] = [];
    const jobs = await this.getJobs({ jobStore: options.jobStore });
    if (this.currentState === 'stopped') {
      lines.push('Pending jobs:');
      const pending = jobs.filter((job) => job.pending);
      if (pending.length === 0) lines.push('    No pending jobs');
      for (const job of pending) lines.push(`    ${job.toString()}`);
    }
    for (const [alias] of this.listedStores(options.jobStore)) {
      lines.push(`Jobstore ${alias}:`);
      const stored = jobs.filter((job) => !job.pending && job.jobStore === alias);
      if (stored.length === 0) lines.push('    No scheduled jobs');
      for (const job of stored) lines.push(`    ${job.toString()}`);
    }
    for (const line of lines) out(line);
    return lines.join('\n');
  }

  // ---------------------------------------------------------------- run history

  /**
   * The run history of a job, newest first: outcome, scheduled, start and end times, error or
   * return value. Records outlive their job, so a finished one-shot job's runs can still be read.
   */
  async getRuns(jobId: string, options: StoreSelector & { limit?: number } = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? this.settings.runRetention;
    if (!Number.isInteger(limit) || limit < 0) {
      throw invalidOption('limit', options.limit, 'a non-negative integer (records to return)');
    }
    await this.processor.flushRuns();
    const records: RunRecord[] = [];
    for (const [alias, store] of this.stores) {
      if (options.jobStore === undefined || alias === options.jobStore) {
        records.push(...(await store.getRuns(jobId, limit)));
      }
    }
    return records
      .sort((a, b) => b.scheduledRunTime.getTime() - a.scheduledRunTime.getTime())
      .slice(0, limit);
  }

  private resolveFunction(func: JobFunction | string): JobFunction | Promise<JobFunction> {
    if (typeof func === 'function') return func;
    return this.resolver.cached(func) ?? this.resolver.resolve(func);
  }
}
