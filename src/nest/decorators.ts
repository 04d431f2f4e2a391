// The method decorators of horae/nest. They only record what a method declares, in a WeakMap keyed
// by the method itself; HoraeExplorer reads it at application bootstrap. They are legacy
// (experimentalDecorators) decorators, as Nest's own are, and the source applies no decorator
// syntax, so the package compiles without that compiler option.
import { InvalidArgumentError } from '../errors.js';
import type { JobOptions } from '../scheduler/options.js';
import { CronTrigger, type CrontabOptions } from '../triggers/cron-trigger.js';
import type { IntervalTriggerOptions } from '../triggers/interval-trigger.js';
import type { TriggerAlias, TriggerAliases } from '../triggers/registry.js';
import type { Trigger } from '../triggers/trigger.js';

/**
 * The job options a decorator takes. `id` defaults to `'ClassName.methodName'`: keep it stable, as
 * it is what a persistent store upserts on every boot. `replaceExisting` is always `true`.
 */
export type DecoratedJobOptions = Omit<JobOptions, 'replaceExisting'>;

/** Options of `@Cron`: the job options, and the crontab's own (`timezone`, `startDate`, `domAndDow`, ...). */
export type CronOptions = DecoratedJobOptions & CrontabOptions;

/** Options of `@Interval` given as an object: the interval trigger's options and the job options. */
export type IntervalOptions = DecoratedJobOptions & IntervalTriggerOptions;

/** How a declaration makes its trigger once the scheduler's time zone is known. */
export type TriggerSource =
  | { kind: 'crontab'; expression: string; options: CrontabOptions }
  | { kind: 'alias'; alias: TriggerAlias; options: Record<string, unknown> }
  | { kind: 'instance'; trigger: Trigger }
  | { kind: 'timeout'; delayMs: number };

/** One job declared on a method: its trigger and its job options. */
export interface JobDeclaration {
  /** The decorator's name, for error messages. */
  decorator: string;
  trigger: TriggerSource;
  options: DecoratedJobOptions;
}

const declarations = new WeakMap<object, JobDeclaration[]>();

/** The jobs declared on a method, in source order; empty when none. */
export function declarationsOf(method: unknown): readonly JobDeclaration[] {
  return typeof method === 'function' ? (declarations.get(method) ?? []) : [];
}

const CRONTAB_OPTION_KEYS = new Set(['startDate', 'endDate', 'timezone', 'jitter', 'domAndDow']);
const INTERVAL_OPTION_KEYS = new Set([
  'weeks',
  'days',
  'hours',
  'minutes',
  'seconds',
  'milliseconds',
  'startDate',
  'endDate',
  'timezone',
  'jitter',
]);

/**
 * Runs `method` on a cron schedule, given as a crontab line (5 fields, 6 with seconds first, 7 with
 * a trailing year, or a nickname such as `@daily`). The time zone is `options.timezone`, else the
 * scheduler's. A bad expression throws `InvalidTriggerError` when the class is defined.
 *
 * @example
 * class Reports {
 *   @Cron('30 10 * * mon-fri', { id: 'daily-report' })
 *   async send() { ... }
 * }
 */
export function Cron(expression: string, options: CronOptions = {}): MethodDecorator {
  const [triggerOptions, jobOptions] = split(options, CRONTAB_OPTION_KEYS, '@Cron');
  // Checked now, so a typo fails at start-up with the field named, not at bootstrap.
  CronTrigger.fromCrontab(expression, triggerOptions, { timezone: 'UTC' });
  return declare({
    decorator: '@Cron',
    trigger: { kind: 'crontab', expression, options: triggerOptions },
    options: jobOptions,
  });
}

/**
 * Runs `method` at a fixed interval: `@Interval(5000)` every 5 s (milliseconds, as
 * `@nestjs/schedule` counts), or `@Interval({ minutes: 5, id: 'poll' })` with the interval trigger's
 * options and the job options in one object. The first run is one interval after the job is added.
 */
export function Interval(
  interval: number | IntervalOptions,
  options: DecoratedJobOptions = {},
): MethodDecorator {
  if (typeof interval === 'number') {
    if (!Number.isFinite(interval) || interval <= 0) {
      throw new InvalidArgumentError(
        `@Interval expects a positive number of milliseconds, got ${String(interval)}`,
        { field: 'interval', value: interval },
      );
    }
    return declare({
      decorator: '@Interval',
      trigger: { kind: 'alias', alias: 'interval', options: { milliseconds: interval } },
      options,
    });
  }
  const [triggerOptions, jobOptions] = split(interval, INTERVAL_OPTION_KEYS, '@Interval');
  return declare({
    decorator: '@Interval',
    trigger: { kind: 'alias', alias: 'interval', options: triggerOptions },
    options: { ...jobOptions, ...options },
  });
}

/**
 * Runs `method` once, `delayMs` milliseconds after the application has booted. Each boot adds the
 * run again (under the same id), so with a shared store it runs once per boot of any process,
 * not once per process.
 */
export function Timeout(delayMs: number, options: DecoratedJobOptions = {}): MethodDecorator {
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new InvalidArgumentError(
      `@Timeout expects a number of milliseconds of 0 or more, got ${String(delayMs)}`,
      { field: 'delayMs', value: delayMs },
    );
  }
  return declare({ decorator: '@Timeout', trigger: { kind: 'timeout', delayMs }, options });
}

/**
 * Runs `method` on any trigger: an instance (`new CalendarIntervalTrigger({...})`) or an alias whose
 * own options go in `options` beside the job options, as `scheduler.addJob` takes them.
 *
 * @example
 * @ScheduledJob('calendarinterval', { months: 1, hour: 9, id: 'invoices' })
 * async sendInvoices() { ... }
 */
export function ScheduledJob<T extends TriggerAlias | Trigger>(
  trigger: T,
  options?: DecoratedJobOptions & ([T] extends [TriggerAlias] ? Partial<TriggerAliases[T]> : unknown),
): MethodDecorator {
  const given = (options ?? {}) as Record<string, unknown>;
  if (typeof trigger === 'string') {
    return declare({
      decorator: '@ScheduledJob',
      trigger: { kind: 'alias', alias: trigger, options: {} },
      // The alias's options stay with the job options: addJob tells them apart and names a bad one.
      options: given,
    });
  }
  if (trigger === null || typeof trigger !== 'object' || typeof trigger.getNextFireTime !== 'function') {
    throw new InvalidArgumentError(
      `@ScheduledJob expects a trigger alias or a Trigger instance, got ${String(trigger)}`,
      { field: 'trigger', value: trigger },
    );
  }
  return declare({
    decorator: '@ScheduledJob',
    trigger: { kind: 'instance', trigger },
    options: given,
  });
}

function declare(declaration: JobDeclaration): MethodDecorator {
  if ('replaceExisting' in declaration.options) {
    throw new InvalidArgumentError(
      `${declaration.decorator} does not take replaceExisting: decorated jobs always replace the stored job with the same id`,
      { field: 'replaceExisting', value: (declaration.options as JobOptions).replaceExisting },
    );
  }
  return (_target: object, propertyKey: string | symbol | object, descriptor?: PropertyDescriptor) => {
    if (typeof propertyKey === 'object' || descriptor === undefined) {
      // A standard (TC39) decorator gets a context object instead of a key and a descriptor.
      throw new InvalidArgumentError(
        `${declaration.decorator} is a legacy decorator, as Nest's are: compile with "experimentalDecorators": true`,
        { field: 'decorator', value: declaration.decorator },
      );
    }
    const method: unknown = descriptor.value;
    if (typeof method !== 'function') {
      throw new InvalidArgumentError(
        `${declaration.decorator} decorates methods; ${String(propertyKey)} is not one`,
        { field: 'decorator', value: String(propertyKey) },
      );
    }
    const list = declarations.get(method) ?? [];
    // Decorators apply bottom-up; unshift keeps the order they are written in.
    list.unshift(declaration);
    declarations.set(method, list);
  };
}

/** Splits a decorator's options into the trigger's (by `keys`) and the job's. */
function split(
  options: object,
  keys: ReadonlySet<string>,
  decorator: string,
): [Record<string, unknown>, DecoratedJobOptions] {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`${decorator} options must be an object, got ${String(options)}`, {
      field: 'options',
      value: options,
    });
  }
  const trigger: Record<string, unknown> = {};
  const job: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) (keys.has(key) ? trigger : job)[key] = value;
  return [trigger, job];
}
