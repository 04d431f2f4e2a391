import { InvalidArgumentError } from '../errors.js';
import { describeValue } from '../describe-value.js';
import type { JobFunction } from '../job-state.js';
import { Scheduler, type JobCallable } from '../scheduler/scheduler.js';
import type { AddJobOptions, JobOptions, SchedulerOptions } from '../scheduler/options.js';
import type { Trigger } from '../triggers/trigger.js';
import type { TriggerAlias } from '../triggers/registry.js';

/**
 * One job declared in a framework integration's options: `addJob`'s three arguments in one object,
 * `{ func, trigger, ...options }`, with the trigger alias's own options beside the job options.
 * A declaration with an `id` replaces the stored job of that id (`replaceExisting` defaults to
 * `true`), so an app that restarts on a persistent store keeps one copy of each job, and several
 * processes declaring the same job share it.
 *
 * @example
 * { func: 'send-report', trigger: 'cron', dayOfWeek: 'mon-fri', hour: 10, id: 'report' }
 */
export type JobDeclaration =
  | { [A in TriggerAlias]: { func: JobCallable; trigger: A } & AddJobOptions<A> }[TriggerAlias]
  | ({ func: JobCallable; trigger: Trigger } & JobOptions)
  | ({ func: JobCallable; trigger?: null } & AddJobOptions<undefined>);

/** What every integration takes besides its framework's own options: the scheduler and its jobs. */
export interface HostOptions {
  /** The scheduler to run, or the options to make one with. Default: a scheduler with default options. */
  scheduler?: Scheduler | SchedulerOptions;
  /**
   * Functions by name (`scheduler.registerTask`), registered before the jobs are added: a job in a
   * persistent store names its function (`func: 'send-report'`) instead of holding it.
   */
  tasks?: Record<string, JobFunction>;
  /** Jobs added when the integration is set up (before the scheduler starts). */
  jobs?: JobDeclaration[];
  /** Start the scheduler paused (`start({ paused: true })`): nothing runs until `resume()`. Default false. */
  paused?: boolean;
  /**
   * Whether the app's shutdown waits for running jobs (`shutdown({ wait })`). Default true: the app
   * closes once they have finished and their run records are written. `false` aborts them.
   */
  wait?: boolean;
}

/**
 * A scheduler run by a host app: set up (tasks, jobs) once, started with the app, drained with it.
 * Start and drain may each be called many times; they act once, and only when the state needs it,
 * so a scheduler the app started or stopped itself is left as it is.
 */
export interface HostedScheduler {
  readonly scheduler: Scheduler;
  /** Registers the tasks and adds the declared jobs. Rejects with the first bad one. */
  setUp(): Promise<void>;
  /** Sets up, then starts the scheduler unless it is already started. */
  start(): Promise<void>;
  /** Shuts the scheduler down (waiting for running jobs unless `wait: false`) unless it is stopped. */
  drain(): Promise<void>;
}

const HOST_KEYS = ['scheduler', 'tasks', 'jobs', 'paused', 'wait'];

/** Reads `options` (checking each) into a `HostedScheduler`. `owner` names the integration in errors. */
export function hostScheduler(owner: string, options: HostOptions = {}): HostedScheduler {
  const scheduler = readScheduler(owner, options.scheduler);
  const tasks = readTasks(owner, options.tasks);
  const jobs = readJobs(owner, options.jobs);
  const paused = readFlag(owner, 'paused', options.paused, false);
  const wait = readFlag(owner, 'wait', options.wait, true);
  let setUp: Promise<void> | null = null;
  let started: Promise<void> | null = null;
  let drained: Promise<void> | null = null;
  const hosted: HostedScheduler = {
    scheduler,
    setUp: () => (setUp ??= addAll(scheduler, tasks, jobs)),
    start: () =>
      (started ??= hosted.setUp().then(async () => {
        if (scheduler.state === 'stopped') await scheduler.start({ paused });
      })),
    drain: () =>
      (drained ??= (started ?? Promise.resolve()).then(
        () => drainScheduler(scheduler, wait),
        () => drainScheduler(scheduler, wait),
      )),
  };
  return hosted;
}

/** The keys `hostScheduler` reads, for integrations that check their own options for unknown keys. */
export const HOST_OPTION_KEYS: readonly string[] = HOST_KEYS;

async function drainScheduler(scheduler: Scheduler, wait: boolean): Promise<void> {
  if (scheduler.state !== 'stopped') await scheduler.shutdown({ wait });
}

async function addAll(
  scheduler: Scheduler,
  tasks: [string, JobFunction][],
  jobs: JobDeclaration[],
): Promise<void> {
  for (const [name, fn] of tasks) await scheduler.registerTask(name, fn);
  for (const { func, trigger, ...options } of jobs) {
    await scheduler.addJob(func, trigger, { replaceExisting: options.id !== undefined, ...options });
  }
}

function invalid(owner: string, field: string, value: unknown, expected: string): InvalidArgumentError {
  const message = `Invalid ${owner} option ${field} ${describeValue(value)}: expected ${expected}`;
  return new InvalidArgumentError(message, { field, value });
}

function readScheduler(owner: string, value: unknown): Scheduler {
  if (value === undefined) return new Scheduler();
  if (value instanceof Scheduler) return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(owner, 'scheduler', value, 'a Scheduler or the options of one');
  }
  return new Scheduler(value);
}

function readTasks(owner: string, value: unknown): [string, JobFunction][] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(owner, 'tasks', value, 'an object of functions by name');
  }
  return Object.entries(value).map(([name, fn]) => {
    if (typeof fn !== 'function') throw invalid(owner, `tasks.${name}`, fn, 'a function');
    return [name, fn as JobFunction];
  });
}

function readJobs(owner: string, value: unknown): JobDeclaration[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(owner, 'jobs', value, 'an array of { func, trigger, ...options }');
  value.forEach((job: unknown, index) => {
    if (job === null || typeof job !== 'object' || !('func' in job)) {
      throw invalid(owner, `jobs[${index}]`, job, 'an object { func, trigger, ...options }');
    }
  });
  return value as JobDeclaration[];
}

function readFlag(owner: string, field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(owner, field, value, 'true or false');
  return value;
}
