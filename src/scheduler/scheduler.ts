// The scheduler's public surface (SPEC section 2), each method a check and a delegation: to the run
// loop (processor.ts), the runs (src/runs/), stores and executors (components.ts), jobs (jobs.ts).
import { SchedulerAlreadyRunningError, SchedulerNotRunningError } from '../errors.js';
import {
  EVENT_ALL,
  EVENT_EXECUTOR_ADDED,
  EVENT_EXECUTOR_REMOVED,
  EVENT_JOBSTORE_ADDED,
  EVENT_JOBSTORE_REMOVED,
  EVENT_SCHEDULER_PAUSED,
  EVENT_SCHEDULER_RESUMED,
  EVENT_SCHEDULER_SHUTDOWN,
  EVENT_SCHEDULER_STARTED,
  type EventListener,
  type EventMap,
  type EventName,
  type SchedulerEventUnion,
} from '../events/events.js';
import { eventCodeOf, ListenerRegistry } from '../events/listeners.js';
import type { Executor } from '../executors/executor.js';
import { copyJobState, type JobFunction, type JobState } from '../job-state.js';
import type { RunHistory } from '../runs/run-history.js';
import type { ActiveRun, NodeRecord, RunRecord } from '../stores/job-store.js';
import type { TriggerAlias } from '../triggers/registry.js';
import type { Trigger } from '../triggers/trigger.js';
import type { ClusterNode } from './cluster-node.js';
import type { Components, StoreSpec } from './components.js';
import { FunctionResolver } from './function-resolver.js';
import { registerInstruments } from './instruments.js';
import { jobHealth, schedulerHealth, type HealthOptions } from './health.js';
import type { JobHealth, SchedulerHealth } from './health.js';
import { applyJobChanges, readRescheduleOptions } from './job-changes.js';
import { Job } from './job.js';
import { buildContextOf, buildJob, type BuiltJob } from './job-builder.js';
import {
  invalidOption,
  readRunLimit,
  type AddJobOptions,
  type ExecutorConfig,
  type JobChanges,
  type RescheduleOptions,
  type SchedulerOptions,
} from './options.js';
import { queryJobs, type JobPage, type JobQuery } from './job-query.js';
import type { Jobs } from './jobs.js';
import { previewFireTimes, type PreviewOptions } from './previews.js';
import type { JobProcessor } from './processor.js';
import { runJobNow } from './run-now.js';
import { assembleScheduler, type SchedulerOps } from './scheduler-parts.js';
import { defaultSettings, readSchedulerOptions, type SchedulerSettings } from './settings.js';

export type SchedulerState = 'stopped' | 'running' | 'paused';

/** Which store an operation looks in; without it, every store is searched. */
export interface StoreSelector {
  jobStore?: string;
}

/** The first argument of `addJob`: a function, a `'module:export'` reference or a registered task name. */
export type JobCallable = JobFunction | string;

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
  private settings: SchedulerSettings = defaultSettings();
  private readonly listeners = new ListenerRegistry(() => this.settings.logger);
  private readonly resolver = new FunctionResolver(() => this.settings.baseDir);
  private readonly jobs: Jobs;
  private readonly history: RunHistory;
  private readonly components: Components;
  private readonly processor: JobProcessor;
  private readonly cluster: ClusterNode;
  /** What run-now.ts, previews.ts and health.ts read. */
  private readonly ops: SchedulerOps;
  private stopWaiters: (() => void)[] = [];
  /** The shutdown in progress, which a second `shutdown()` waits for. */
  private stopping: Promise<void> | null = null;
  private signalHandler: (() => void) | null = null;

  constructor(options: SchedulerOptions = {}) {
    const parts = assembleScheduler({
      settings: () => this.settings,
      state: () => this.currentState,
      emit: (event) => this.emit(event),
      wakeup: () => this.wakeup(),
      listeners: this.listeners,
      resolver: this.resolver,
      handles: this,
    });
    ({ history: this.history, components: this.components, processor: this.processor } = parts);
    ({ cluster: this.cluster, jobs: this.jobs, ops: this.ops } = parts);
    registerInstruments(this, this.components.instruments);
    this.applyOptions(options);
  }

  /** The IANA zone of triggers made from aliases and of printed times. */
  get timezone(): string {
    return this.settings.timezone;
  }

  /** This node's id (`nodeId`): in leases, runs, run records, `getNodes()` and cluster events. */
  get nodeId(): string {
    return this.settings.schedulerId;
  }

  /** What this node does in a cluster (`role`): `'both'`, `'scheduler'`, `'worker'` or `'client'`. */
  get role(): SchedulerSettings['role'] {
    return this.settings.role;
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
    // Settings first: they check every option, and a bad one leaves everything as it was.
    const settings = readSchedulerOptions(options, this.settings);
    this.components.configure(options.jobStores, options.executors);
    this.settings = settings;
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
      await this.components.start();
      await this.jobs.storePending();
      await this.cluster.start();
    } catch (error) {
      this.currentState = 'stopped';
      await this.components.stop(false);
      throw error;
    }
    this.emit({ code: EVENT_SCHEDULER_STARTED });
    if (this.currentState === 'running') this.wakeup();
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
    await this.components.stop(wait);
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
  async addJobStore(store: StoreSpec, alias = 'default'): Promise<void> {
    await this.components.addStore(store, alias, this.currentState !== 'stopped');
    this.emit({ code: EVENT_JOBSTORE_ADDED, alias });
    this.wakeup();
  }

  /** Removes the job store `alias` (its jobs stay in it) and shuts it down. */
  async removeJobStore(alias: string, options: { shutdown?: boolean } = {}): Promise<void> {
    await this.components.removeStore(alias, this.currentState !== 'stopped' && options.shutdown !== false);
    this.emit({ code: EVENT_JOBSTORE_REMOVED, alias });
  }

  /** Adds an executor under `alias`; starts it when the scheduler is running. */
  async addExecutor(executor: Executor | ExecutorConfig, alias = 'default'): Promise<void> {
    await this.components.addExecutor(executor, alias, this.currentState !== 'stopped');
    this.emit({ code: EVENT_EXECUTOR_ADDED, alias });
  }

  /** Removes the executor `alias`, shutting it down (waiting for its jobs unless `wait: false`). */
  async removeExecutor(alias: string, options: { shutdown?: boolean; wait?: boolean } = {}): Promise<void> {
    await this.components.removeExecutor(alias, {
      shutdown: this.currentState !== 'stopped' && options.shutdown !== false,
      wait: options.wait ?? true,
    });
    this.emit({ code: EVENT_EXECUTOR_REMOVED, alias });
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

  /**
   * Calls `callback` for every event whose code is in `mask` (default: all events). With
   * `{ cluster: true }`, for the events of every node of the cluster: this one's, and those the
   * other nodes publish through the event broker (`clusterEvents`), each with its `nodeId`.
   */
  addListener(callback: EventListener, mask: number = EVENT_ALL, options: { cluster?: boolean } = {}): void {
    if (typeof callback !== 'function') throw invalidOption('callback', callback, 'a function');
    if (options.cluster === true) this.cluster.addListener(callback, mask);
    else this.listeners.add(callback, mask);
  }

  removeListener(callback: EventListener): void {
    if (!this.cluster.removeListener(callback)) this.listeners.remove(callback);
  }

  /** Typed listener for one event by name: `scheduler.on('job_executed', (event) => event.retval)`. */
  on<K extends EventName>(name: K, listener: (event: EventMap[K]) => void): this {
    this.listeners.add(listener as EventListener, eventCodeOf(name));
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
      built = buildJob(func, trigger, options, buildContextOf(this.settings));
      this.prepareNewJob(built.state);
    } catch (error) {
      return Promise.reject(error);
    }
    if (typeof built.state.func === 'string') {
      return this.checkFunction(built.state.func).then(() => this.jobs.add(built));
    }
    return this.jobs.add(built);
  }

  /** Resolves a job's function name, so a bad one fails at once; a node that runs nothing leaves it to workers. */
  private checkFunction = (func: string): Promise<unknown> =>
    this.components.runsJobs() ? this.resolver.resolve(func) : Promise.resolve();

  /**
   * The decorator form of `addJob`: `scheduler.scheduledJob('cron', { hour: 8 })(fn)` adds `fn` and
   * returns it. Bad input throws at once; a failure to store the job is logged.
   */
  scheduledJob<T extends TriggerAlias | Trigger>(
    trigger: T,
    options?: Partial<AddJobOptions<T>>,
  ): <F extends JobFunction>(fn: F) => F {
    return (fn) => {
      const built = buildJob(fn, trigger, options, buildContextOf(this.settings));
      this.prepareNewJob(built.state);
      this.jobs
        .add(built)
        .catch((error) => this.settings.logger.error(`Could not add job "${built.state.id}"`, error));
      return fn;
    };
  }

  /** Checks a new job against its executor; with tracing on, it keeps the trace context of its `addJob`. */
  private prepareNewJob(state: JobState): void {
    this.validateForExecutor(state);
    const { tracer } = this.components.instruments;
    if (tracer === null) return;
    const traceContext = tracer.capture();
    if (traceContext !== undefined) state.traceContext = traceContext;
  }

  private validateForExecutor(state: JobState): void {
    this.components.validateForExecutor(state, this.currentState !== 'stopped');
  }

  /**
   * Changes a job's options: any of `name`, `func`, `args`, `misfireGraceTime`, `coalesce`,
   * `maxInstances`, `nextRunTime`, `trigger`, `executor`, `timeout`, `retry`. Resolves to the job as changed.
   */
  async modifyJob(id: string, changes: JobChanges, selector: StoreSelector = {}): Promise<Job> {
    if (changes === null || typeof changes !== 'object') throw invalidOption('changes', changes, 'an object');
    const found = await this.jobs.find(id, selector.jobStore);
    const state = await applyJobChanges(
      copyJobState(found.state),
      changes,
      this.settings.timezone,
      this.checkFunction,
    );
    if ('func' in changes || 'executor' in changes || 'args' in changes) this.validateForExecutor(state);
    return this.jobs.save(found, state);
  }

  /** Gives a job a new trigger (instance, or alias with its options) and computes its next run time from it. */
  async rescheduleJob<T extends TriggerAlias | Trigger>(
    id: string,
    trigger: T,
    options?: RescheduleOptions<T>,
  ): Promise<Job> {
    const { jobStore, triggerOptions } = readRescheduleOptions(options);
    const built = buildJob(() => undefined, trigger, triggerOptions, buildContextOf(this.settings));
    return this.jobs.reschedule(id, jobStore, built);
  }

  /** Stops a job from running until `resumeJob`. */
  async pauseJob(id: string, selector: StoreSelector = {}): Promise<Job> {
    return this.modifyJob(id, { nextRunTime: null }, selector);
  }

  /**
   * Resumes a paused job from its trigger's next fire time; when the trigger will not fire again,
   * removes the job and resolves to `null`.
   */
  resumeJob(id: string, selector: StoreSelector = {}): Promise<Job | null> {
    return this.jobs.resume(id, selector.jobStore);
  }

  /**
   * Removes a job; throws `JobLookupError` when there is none by that id. A stored job that cannot
   * be read (`EVENT_JOB_UNREADABLE`) can still be removed.
   */
  removeJob(id: string, selector: StoreSelector = {}): Promise<void> {
    return this.jobs.remove(id, selector.jobStore);
  }

  /** Removes every job, of one store or of all. */
  removeAllJobs(jobStore?: string): Promise<void> {
    return this.jobs.removeAll(jobStore);
  }

  /** The job with this id, or `null`. */
  getJob(id: string, selector: StoreSelector = {}): Promise<Job | null> {
    return this.jobs.get(id, selector.jobStore);
  }

  /**
   * Every job (pending ones first), of one store or of all, each store's ordered by next run time.
   * While stopped, persistent stores are closed: their jobs are not listed, the pending ones are.
   */
  getJobs(selector: StoreSelector = {}): Promise<Job[]> {
    return this.jobs.list(selector.jobStore);
  }

  /** A page of `getJobs()`'s list and its total, filtered and paged by the stores that can (`JobQuery`). */
  queryJobs(query?: JobQuery): Promise<JobPage> {
    return queryJobs(this.jobs, query);
  }

  /**
   * Prints the jobs, grouped by store, with their triggers and next run times, and returns the text.
   * `out` receives each line (default: standard output).
   */
  printJobs(options: StoreSelector & { out?: (line: string) => void } = {}): Promise<string> {
    return this.jobs.print(options.jobStore, options.out);
  }

  // ---------------------------------------------------------------- run history

  /**
   * The run history of a job, newest first: outcome, scheduled, start and end times, error or
   * return value. Records outlive their job, so a finished one-shot job's runs can still be read.
   */
  async getRuns(jobId: string, options: StoreSelector & { limit?: number } = {}): Promise<RunRecord[]> {
    const limit = readRunLimit(options.limit, this.settings.runRetention);
    await this.history.flush();
    return this.jobs.runs(jobId, limit, options.jobStore);
  }

  // ------------------------------------------------ operations: run-now.ts, previews.ts, health.ts

  /**
   * Runs the job once, now, leaving its schedule (next run time, lease) as it is; resolves when the
   * run is handed to its executor. It obeys `maxInstances`, emits the usual events and its run
   * record has `manual: true`. Rejects with `JobLookupError`, `SchedulerNotRunningError` (not
   * started) or `MaxInstancesReachedError` (after `EVENT_JOB_MAX_INSTANCES`).
   */
  runJob(id: string, selector: StoreSelector = {}): Promise<void> {
    return runJobNow(this.ops, id, selector.jobStore);
  }

  /**
   * The next `count` (at most 1,000) fire times of a job, from its next one (a paused job's from
   * now), or of a trigger, from `from` (default now); fewer when the trigger ends.
   */
  getNextRunTimes(idOrTrigger: string | Trigger, count: number, options?: PreviewOptions): Promise<Date[]> {
    return previewFireTimes(this.ops, idOrTrigger, count, options);
  }

  /** A job's last run, success and failure, its consecutive failures, and whether a run is overdue. */
  getJobHealth(id: string, selector: StoreSelector = {}): Promise<JobHealth> {
    return jobHealth(this.ops, id, selector.jobStore);
  }

  /** Liveness, readiness, each store's answer and each executor's load, for health probes. */
  health(options?: HealthOptions): Promise<SchedulerHealth> {
    return schedulerHealth(this.ops, options);
  }

  // ---------------------------------------------------------------- cluster: cluster-node.ts

  /** The live nodes (schedulers) sharing store `jobStore` (default `'default'`), by id. */
  async getNodes(selector: StoreSelector = {}): Promise<NodeRecord[]> {
    return this.cluster.getNodes(this.components.lookupStore(selector.jobStore ?? 'default'));
  }

  /** The runs in progress in store `jobStore` (default `'default'`), held by a node or waiting. */
  async getActiveRuns(selector: StoreSelector = {}): Promise<ActiveRun[]> {
    return this.components.lookupStore(selector.jobStore ?? 'default').getActiveRuns();
  }
}
