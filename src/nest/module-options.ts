import { InvalidArgumentError } from '../errors.js';
import type { SchedulerOptions } from '../scheduler/options.js';
import { Scheduler } from '../scheduler/scheduler.js';

/** The injection token of the `Scheduler` (the `Scheduler` class is a token for it too). */
export const HORAE_SCHEDULER = Symbol.for('horae:scheduler');

/** The injection token of the `HoraeModuleOptions` given to `forRoot` or made by `forRootAsync`. */
export const HORAE_MODULE_OPTIONS = Symbol.for('horae:module-options');

/**
 * Options of `HoraeModule.forRoot`: the `Scheduler`'s own options (job stores, executors, time
 * zone, ...), or a scheduler you made in `scheduler`, and how the module drives its lifecycle.
 */
export interface HoraeModuleOptions extends SchedulerOptions {
  /** A scheduler you made, instead of one made from the options above (give one or the other). */
  scheduler?: Scheduler;
  /**
   * Start the scheduler at application bootstrap, after the decorated jobs are added. Default
   * `true`; with `false` the jobs wait until you call `scheduler.start()`.
   */
  autoStart?: boolean;
  /** At application shutdown, wait for running jobs to finish (`true`, the default) or abort them. */
  waitOnShutdown?: boolean;
  /** Register the module globally, so every module can inject the scheduler. Default `true`. */
  isGlobal?: boolean;
}

/** The keys of `HoraeModuleOptions` that are the module's rather than the scheduler's. */
const MODULE_KEYS = ['scheduler', 'autoStart', 'waitOnShutdown', 'isGlobal'] as const;

/** What the module reads from its options, checked. */
export interface ModuleSettings {
  autoStart: boolean;
  waitOnShutdown: boolean;
}

/**
 * Checks the options and splits them into the scheduler's and the module's. Throws
 * `InvalidArgumentError` on a bad one; the `Scheduler` checks its own when it is made.
 */
export function readModuleOptions(options: HoraeModuleOptions): {
  scheduler: Scheduler | undefined;
  schedulerOptions: SchedulerOptions;
  settings: ModuleSettings;
} {
  const schedulerOptions = optionsObject(options);
  for (const key of MODULE_KEYS) delete (schedulerOptions as Record<string, unknown>)[key];
  const settings = {
    autoStart: readBoolean(options, 'autoStart', true),
    waitOnShutdown: readBoolean(options, 'waitOnShutdown', true),
  };
  const given = options.scheduler;
  if (given === undefined) return { scheduler: undefined, schedulerOptions, settings };
  if (!(given instanceof Scheduler)) {
    throw new InvalidArgumentError(
      `HoraeModule option "scheduler" must be a Scheduler, got ${String(given)}`,
      {
        field: 'scheduler',
        value: given,
      },
    );
  }
  const extra = Object.keys(schedulerOptions);
  if (extra.length > 0) {
    throw new InvalidArgumentError(
      `HoraeModule was given a scheduler and scheduler options (${extra.join(', ')}): configure the scheduler you pass instead`,
      { field: extra[0], value: (schedulerOptions as Record<string, unknown>)[extra[0]!] },
    );
  }
  return { scheduler: given, schedulerOptions, settings };
}

/** The scheduler the options name or describe. Throws `InvalidArgumentError` on a bad option. */
export function schedulerFrom(options: HoraeModuleOptions): Scheduler {
  const { scheduler, schedulerOptions } = readModuleOptions(options);
  return scheduler ?? new Scheduler(schedulerOptions);
}

function optionsObject(options: HoraeModuleOptions): HoraeModuleOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`HoraeModule options must be an object, got ${String(options)}`, {
      field: 'options',
      value: options,
    });
  }
  return { ...options };
}

function readBoolean(
  options: HoraeModuleOptions,
  key: 'autoStart' | 'waitOnShutdown',
  fallback: boolean,
): boolean {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`HoraeModule option "${key}" must be a boolean, got ${String(value)}`, {
      field: key,
      value,
    });
  }
  return value;
}
