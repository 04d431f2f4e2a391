import { describeValue } from '../describe-value.js';
import type { Clock } from '../clock.js';
import { InvalidArgumentError } from '../errors.js';
import type { AsyncExecutorOptions } from '../executors/async-executor.js';
import type { Executor } from '../executors/executor.js';
import type { PoolExecutorOptions } from '../executors/pool-executor.js';
import type { Logger } from '../logger.js';
import type { EventBroker } from '../events/event-broker.js';
import type { JobStore } from '../stores/job-store.js';
import type { JobStoreType, JobStoreTypes } from '../stores/store-types.js';
import type { RetryPolicy } from '../job-state.js';
import type { TriggerAlias, TriggerAliases } from '../triggers/registry.js';
import type { Trigger } from '../triggers/trigger.js';

/** Defaults applied to each job's options that the job does not set itself. */
export interface JobDefaults {
  /** Seconds a run may start late; `null` for no limit. Default 1. */
  misfireGraceTime?: number | null;
  /** Run a backlog of missed runs once instead of once per run. Default true. */
  coalesce?: boolean;
  /** Runs of one job that may be in progress at once. Default 1. */
  maxInstances?: number;
}

/**
 * The options of each executor type, for `{ type, ...options }` configuration. An executor of your
 * own, registered with `registerExecutorType`, adds its entry by declaration merging:
 *
 * @example
 * declare module 'horae' {
 *   interface ExecutorTypes {
 *     queue: QueueExecutorOptions;
 *   }
 * }
 */
export interface ExecutorTypes {
  async: AsyncExecutorOptions;
  thread: PoolExecutorOptions;
  process: PoolExecutorOptions;
}

/** An executor type of `{ type, ...options }` configuration. */
export type ExecutorType = keyof ExecutorTypes & string;

/**
 * An executor given as configuration: `{ type: 'async', maxConcurrency: 20 }`, typed by
 * `ExecutorTypes`, so a misspelt option is a compile error.
 */
export type ExecutorConfig = { [K in ExecutorType]: TypedConfig<K, ExecutorTypes[K]> }[ExecutorType];

/**
 * A job store given as configuration: `{ type: 'sqlite', path: 'jobs.sqlite' }`, typed by
 * `JobStoreTypes`, so a misspelt option is a compile error. Persistent stores may also be given
 * as a URL string.
 */
export type JobStoreConfig = { [K in JobStoreType]: TypedConfig<K, JobStoreTypes[K]> }[JobStoreType];

/**
 * `{ type: K }` with the options `O` beside it. Mapped rather than intersected with `O` itself: an
 * options interface has no index signature, and the mapped copy still fits the factories'
 * `{ type: string; [option: string]: unknown }` parameter.
 */
type TypedConfig<K extends string, O> = { type: K } & { [P in keyof O]: O[P] };

export interface SchedulerOptions {
  /** Job stores by alias. Default: `{ default: new MemoryJobStore() }`. */
  jobStores?: Record<string, JobStore | JobStoreConfig | string>;
  /** Executors by alias. Default: `{ default: new AsyncExecutor() }`. */
  executors?: Record<string, Executor | ExecutorConfig>;
  jobDefaults?: JobDefaults;
  /** IANA zone for triggers made from aliases. Default: the system zone. */
  timezone?: string;
  /** Directory that relative `'./module.js:export'` references resolve against. Default: `process.cwd()`. */
  baseDir?: string;
  /** Where log lines go. Default: warnings and errors to stderr. */
  logger?: Logger;
  /** The source of time. Default: the system clock. Tests pass a `FakeClock` from `horae/testing`. */
  clock?: Clock;
  /**
   * This scheduler's node id: in leases, in the runs it holds, in run records (`schedulerId`), in
   * `getNodes()` and on the events it sends to the cluster. Unique per process. Default
   * `<hostname>:<pid>:<6 random hex digits>`.
   */
  nodeId?: string;
  /** APScheduler-style name of `nodeId`; give one or the other (or both, equal). */
  schedulerId?: string;
  /**
   * What this node does in a cluster of schedulers on one store (`docs/cluster.md`):
   * - `'both'` (default): claims due jobs and runs them, and runs handed-over runs;
   * - `'scheduler'`: claims due jobs and hands their runs to workers through the store; runs nothing;
   * - `'worker'`: runs the runs handed over through the store; claims no jobs;
   * - `'client'`: only adds, changes and reads jobs: `start()` connects the stores (and the broker)
   *   and registers the node; nothing is claimed, held or run here.
   */
  role?: 'both' | 'scheduler' | 'worker' | 'client';
  /** Longest the scheduler sleeps between checks for due jobs, in seconds. Default 30. */
  maxSleep?: number;
  /**
   * How long this node's claims and runs stay leased to it without a heartbeat, in seconds: a node
   * that dies (or is cut off) this long loses them, and its runs in progress are recorded as
   * interrupted. Default 30. Must be more than twice `heartbeatInterval`.
   */
  leaseTime?: number;
  /**
   * Seconds between heartbeats: each one stores the node (`getNodes()`), extends the leases of its
   * runs, takes over the interrupted runs of dead nodes, and (for worker nodes) looks for
   * handed-over runs when no broker announces them. Default: a third of `leaseTime`, at most 5.
   */
  heartbeatInterval?: number;
  /**
   * An event broker (`horae/brokers/postgres`, `/redis`, `/mqtt`): a change on one node wakes the
   * others at once, and cluster listeners get every node's events. Without it, nodes poll.
   */
  eventBroker?: EventBroker;
  /**
   * The events this node publishes through its broker for cluster listeners (a mask of `EVENT_*`
   * codes). Default 0: none, so a busy node pays nothing for it; set `EVENT_ALL` (or a narrower
   * mask) on the nodes whose events you want to follow elsewhere.
   */
  clusterEvents?: number;
  /** Run history kept in the job stores: `{ retention }` records per job (default 10), or `false` for none. */
  runHistory?: { retention?: number } | false;
}

/** Options of one job, shared by every trigger alias. */
export interface JobOptions {
  /** Unique id. Default: a random UUID. */
  id?: string;
  /** Readable name. Default: the function's name or the reference. */
  name?: string;
  /** Positional arguments the function is called with. */
  args?: unknown[];
  misfireGraceTime?: number | null;
  coalesce?: boolean;
  maxInstances?: number;
  /** First run time regardless of the trigger; `null` adds the job paused. */
  nextRunTime?: Date | string | number | null;
  /** Alias of the job store to keep the job in. Default `'default'`. */
  jobStore?: string;
  /** Alias of the executor to run the job in. Default `'default'`. */
  executor?: string;
  /** Replace a job with the same id instead of failing with `ConflictingIdError`. */
  replaceExisting?: boolean;
  /** Seconds a run may take; then its `AbortSignal` is aborted and the run is reported as timed out. */
  timeout?: number | null;
  /** Retry a failed run: a number of attempts, or a policy. */
  retry?: number | Partial<RetryPolicy> | null;
  /**
   * When the node running the job dies mid-run (the run is recorded as interrupted), run it once
   * more on another node (Quartz's `requestsRecovery`). Default false: report it only.
   */
  requestsRecovery?: boolean;
}

/**
 * The `options` of `addJob(func, trigger, options)` for a `trigger` of type `T`: the job options,
 * with an alias's own trigger options beside them (with no trigger, the date trigger's).
 *
 * One generic signature rather than an overload per kind of trigger: when no overload matches,
 * TypeScript 7 reports only the last one's error (`'string' is not assignable to 'Trigger'`), so a
 * misspelt option would be reported against the trigger argument instead of by its name.
 */
export type AddJobOptions<T> = [T] extends [null | undefined]
  ? JobOptions & { runDate?: Date | string | number; timezone?: string }
  : [T] extends [TriggerAlias]
    ? JobOptions & TriggerAliases[T]
    : [T] extends [Trigger]
      ? JobOptions
      : JobOptions & Partial<TriggerAliases[Extract<T, TriggerAlias>]>;

/** The `options` of `rescheduleJob(id, trigger, options)`: an alias's trigger options, and `jobStore`. */
export type RescheduleOptions<T> = { jobStore?: string } & ([T] extends [TriggerAlias]
  ? TriggerAliases[T]
  : [T] extends [Trigger]
    ? unknown
    : Partial<TriggerAliases[Extract<T, TriggerAlias>]>);

/** What `modifyJob` may change. */
export interface JobChanges {
  name?: string;
  func?: import('../job-state.js').JobFunction | string;
  args?: unknown[];
  misfireGraceTime?: number | null;
  coalesce?: boolean;
  maxInstances?: number;
  nextRunTime?: Date | string | number | null;
  trigger?: Trigger;
  executor?: string;
  timeout?: number | null;
  retry?: number | Partial<RetryPolicy> | null;
  requestsRecovery?: boolean;
}

export const JOB_OPTION_KEYS = [
  'id',
  'name',
  'args',
  'misfireGraceTime',
  'coalesce',
  'maxInstances',
  'nextRunTime',
  'jobStore',
  'executor',
  'replaceExisting',
  'timeout',
  'retry',
  'requestsRecovery',
] as const;

export const JOB_CHANGE_KEYS = [
  'name',
  'func',
  'args',
  'misfireGraceTime',
  'coalesce',
  'maxInstances',
  'nextRunTime',
  'trigger',
  'executor',
  'timeout',
  'retry',
  'requestsRecovery',
] as const;

export const SCHEDULER_OPTION_KEYS = [
  'jobStores',
  'executors',
  'jobDefaults',
  'timezone',
  'baseDir',
  'logger',
  'clock',
  'nodeId',
  'schedulerId',
  'role',
  'maxSleep',
  'leaseTime',
  'heartbeatInterval',
  'eventBroker',
  'clusterEvents',
  'runHistory',
] as const;

export function invalidOption(field: string, value: unknown, expected: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid ${field} ${describeValue(value)}: expected ${expected}`, {
    field,
    value,
  });
}

export { describeValue as describe };

export function readGraceTime(value: unknown, field = 'misfireGraceTime'): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(field, value, 'a non-negative number of seconds, or null for no limit');
  }
  return value;
}

export function readMaxInstances(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidOption('maxInstances', value, 'a positive integer');
  }
  return value;
}

/** The `limit` of `getRuns`: records to return, `fallback` (the run retention) when not given. */
export function readRunLimit(value: unknown, fallback: number): number {
  const limit = value ?? fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw invalidOption('limit', value, 'a non-negative integer (records to return)');
  }
  return limit;
}

export function readBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalidOption(field, value, 'true or false');
  return value;
}

export function readArgs(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw invalidOption('args', value, 'an array of arguments');
  return value;
}

export function readNonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalidOption(field, value, 'a non-empty string');
  return value;
}

export function readTimeout(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidOption('timeout', value, 'a positive number of seconds, or null for no limit');
  }
  return value;
}

const RETRY_KEYS = ['attempts', 'delay', 'backoff', 'maxDelay', 'retryOn'];

/** Reads `retry`: a number of attempts or a partial policy, filled in with the defaults. */
export function readRetry(value: unknown): RetryPolicy | null {
  if (value === null || value === undefined) return null;
  const given = (typeof value === 'number' ? { attempts: value } : value) as Record<string, unknown>;
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw invalidOption(
      'retry',
      value,
      'a number of attempts or { attempts, delay, backoff, maxDelay, retryOn }',
    );
  }
  for (const key of Object.keys(given)) {
    if (!RETRY_KEYS.includes(key)) {
      throw new InvalidArgumentError(
        `Unknown retry option "${key}"; valid options are: ${RETRY_KEYS.join(', ')}`,
        {
          field: `retry.${key}`,
          value: given[key],
        },
      );
    }
  }
  const attempts = given.attempts ?? 3;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1) {
    throw invalidOption('retry.attempts', attempts, 'a positive integer (the first attempt included)');
  }
  const delay = given.delay ?? 1;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
    throw invalidOption('retry.delay', delay, 'a non-negative number of seconds');
  }
  const maxDelay = given.maxDelay ?? 300;
  if (typeof maxDelay !== 'number' || !Number.isFinite(maxDelay) || maxDelay < 0) {
    throw invalidOption('retry.maxDelay', maxDelay, 'a non-negative number of seconds');
  }
  const backoff = given.backoff ?? 'exponential';
  if (backoff !== 'fixed' && backoff !== 'exponential') {
    throw invalidOption('retry.backoff', backoff, '"fixed" or "exponential"');
  }
  const retryOn = given.retryOn ?? null;
  if (retryOn !== null && (!Array.isArray(retryOn) || !retryOn.every((name) => typeof name === 'string'))) {
    throw invalidOption('retry.retryOn', retryOn, 'an array of error class names, or null for every error');
  }
  return {
    attempts,
    delay,
    backoff,
    maxDelay,
    retryOn: retryOn === null ? null : [...retryOn],
  };
}
