import { randomFillSync } from 'node:crypto';
import { InvalidArgumentError, InvalidTriggerError, SerializationError } from '../errors.js';
import type { JobFunction, JobState } from '../job-state.js';
import { assertJsonSafe } from '../serialization.js';
import { parseDateInput } from '../time/parse.js';
import { dateOf } from '../runs/run-plan.js';
import { registeredTriggerTypes, triggerFactory } from '../triggers/registry.js';
import type { Trigger } from '../triggers/trigger.js';
import {
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
  type JobDefaults,
} from './options.js';
import type { SchedulerSettings } from './settings.js';

/** A job as `addJob` understood it, before it is stored. */
export interface BuiltJob {
  state: JobState;
  jobStore: string;
  replaceExisting: boolean;
  /** True when the caller set `nextRunTime` (so the trigger does not pick the first run). */
  explicitNextRunTime: boolean;
  /** The trigger's options as given with an alias (`null` for a Trigger instance), for error messages. */
  triggerOptions: Record<string, unknown> | null;
}

export interface BuildContext {
  timezone: string;
  defaults: Required<JobDefaults>;
  now: () => number;
}

const contexts = new WeakMap<SchedulerSettings, BuildContext>();

/** What `buildJob` reads from a scheduler's settings: made once per settings object (`configure` makes a new one). */
export function buildContextOf(settings: SchedulerSettings): BuildContext {
  let context = contexts.get(settings);
  if (context === undefined) {
    const { clock } = settings;
    context = { timezone: settings.timezone, defaults: settings.jobDefaults, now: () => clock.now() };
    contexts.set(settings, context);
  }
  return context;
}

const JOB_KEYS: ReadonlySet<string> = new Set(JOB_OPTION_KEYS);
const keySets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** A trigger factory's option keys as a set, made once per factory (addJob runs 100,000s of times). */
function optionKeySet(keys: readonly string[]): ReadonlySet<string> {
  let set = keySets.get(keys);
  if (set === undefined) {
    set = new Set(keys);
    keySets.set(keys, set);
  }
  return set;
}

/** Random bytes for job ids, drawn 256 ids at a time, and the text of the id being made. */
const ID_BATCH = 256;
const idBytes = Buffer.alloc(16 * ID_BATCH);
let idNext = ID_BATCH;
const idText = Buffer.alloc(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * A new job id: a random (version 4) UUID in its usual 36-character form, written as one flat
 * string. `crypto.randomUUID()` builds its string by concatenation, some 15 heap objects per id
 * until something flattens it, and draws random bytes under a lock each time.
 */
export function newJobId(): string {
  if (idNext === ID_BATCH) {
    randomFillSync(idBytes);
    idNext = 0;
  }
  const offset = 16 * idNext++;
  let at = 0;
  for (let i = 0; i < 16; i++) {
    let byte = idBytes[offset + i] as number;
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) idText[at++] = 0x2d;
    idText[at++] = HEX[byte >> 4] as number;
    idText[at++] = HEX[byte & 0x0f] as number;
  }
  return idText.toString('latin1');
}

/**
 * Validates `addJob`'s arguments and turns them into a job. Everything here is synchronous and
 * touches no state, so bad input fails before anything changes.
 */
export function buildJob(func: unknown, trigger: unknown, options: unknown, context: BuildContext): BuiltJob {
  const jobFunc = readFunc(func);
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw invalidOption('options', options, 'an object of job and trigger options');
  }
  const given = (options ?? {}) as Record<string, unknown>;
  const jobOptions: Record<string, unknown> = {};
  const triggerOptions: Record<string, unknown> = {};
  const resolvedTrigger = makeTrigger(trigger, given, jobOptions, triggerOptions, context);
  const aliasOptions = isTrigger(trigger) ? null : triggerOptions;
  assertWindowInRange(resolvedTrigger, aliasOptions);

  const id = jobOptions.id === undefined ? newJobId() : readNonEmptyString(jobOptions.id, 'id');
  const state: JobState = {
    id,
    name:
      jobOptions.name === undefined ? defaultName(jobFunc, id) : readNonEmptyString(jobOptions.name, 'name'),
    func: jobFunc,
    trigger: resolvedTrigger,
    executor:
      jobOptions.executor === undefined ? 'default' : readNonEmptyString(jobOptions.executor, 'executor'),
    args: jobOptions.args === undefined ? [] : [...readArgs(jobOptions.args)],
    misfireGraceTime:
      jobOptions.misfireGraceTime === undefined
        ? context.defaults.misfireGraceTime
        : readGraceTime(jobOptions.misfireGraceTime),
    coalesce:
      jobOptions.coalesce === undefined
        ? context.defaults.coalesce
        : readBoolean(jobOptions.coalesce, 'coalesce'),
    maxInstances:
      jobOptions.maxInstances === undefined
        ? context.defaults.maxInstances
        : readMaxInstances(jobOptions.maxInstances),
    nextRunTime: null,
    nextFireTime: null,
    timeout: readTimeout(jobOptions.timeout),
    retry: readRetry(jobOptions.retry),
  };
  if (
    jobOptions.requestsRecovery !== undefined &&
    readBoolean(jobOptions.requestsRecovery, 'requestsRecovery')
  )
    state.requestsRecovery = true;
  const explicitNextRunTime = 'nextRunTime' in jobOptions;
  if (explicitNextRunTime) {
    state.nextRunTime = readNextRunTime(jobOptions.nextRunTime, context.timezone);
    state.nextFireTime = state.nextRunTime;
  }
  return {
    state,
    jobStore:
      jobOptions.jobStore === undefined ? 'default' : readNonEmptyString(jobOptions.jobStore, 'jobStore'),
    replaceExisting:
      jobOptions.replaceExisting === undefined
        ? false
        : readBoolean(jobOptions.replaceExisting, 'replaceExisting'),
    explicitNextRunTime,
    triggerOptions: aliasOptions,
  };
}

function makeTrigger(
  trigger: unknown,
  given: Record<string, unknown>,
  jobOptions: Record<string, unknown>,
  triggerOptions: Record<string, unknown>,
  context: BuildContext,
): Trigger {
  if (trigger === undefined || trigger === null || typeof trigger === 'string') {
    const alias = trigger ?? 'date';
    let factory;
    try {
      factory = triggerFactory(alias);
    } catch {
      throw new InvalidTriggerError(
        `Unknown trigger alias ${JSON.stringify(alias)}; valid aliases are: ${registeredTriggerTypes().join(', ')}`,
        { field: 'trigger', value: alias },
      );
    }
    const triggerKeys = optionKeySet(factory.optionKeys);
    for (const key in given) {
      if (!Object.hasOwn(given, key)) continue;
      const value = given[key];
      if (JOB_KEYS.has(key)) jobOptions[key] = value;
      else if (triggerKeys.has(key)) triggerOptions[key] = value;
      else {
        throw new InvalidArgumentError(
          `Unknown option "${key}" for a job with the "${alias}" trigger; trigger options are: ${factory.optionKeys.join(
            ', ',
          )}; job options are: ${JOB_OPTION_KEYS.join(', ')}`,
          { field: key, value },
        );
      }
    }
    if (alias === 'date' && triggerOptions.runDate === undefined)
      triggerOptions.runDate = new Date(context.now());
    return factory.create(triggerOptions, { timezone: context.timezone });
  }
  if (!isTrigger(trigger)) {
    throw new InvalidTriggerError(
      `Invalid trigger ${describe(trigger)}: expected a trigger alias (${registeredTriggerTypes().join(', ')}) or a Trigger instance`,
      { field: 'trigger', value: trigger },
    );
  }
  for (const [key, value] of Object.entries(given)) {
    if (!JOB_KEYS.has(key)) {
      throw new InvalidArgumentError(
        `Unknown job option "${key}" (trigger options belong in the trigger instance); job options are: ${JOB_OPTION_KEYS.join(', ')}`,
        { field: key, value },
      );
    }
    jobOptions[key] = value;
  }
  return trigger;
}

export function isTrigger(value: unknown): value is Trigger {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Trigger).getNextFireTime === 'function' &&
    typeof (value as Trigger).toJSON === 'function'
  );
}

export function readFunc(func: unknown): JobFunction | string {
  if (typeof func === 'function') return func as JobFunction;
  if (typeof func === 'string' && func !== '') return func;
  throw new InvalidArgumentError(
    `Invalid job function ${describe(func)}: expected a function, a "module:export" reference or the name of a registered task`,
    { field: 'func', value: func },
  );
}

export function readNextRunTime(value: unknown, timezone: string): Date | null {
  if (value === null) return null;
  let date: Date;
  try {
    date = parseDateInput(value, timezone, 'nextRunTime');
  } catch (cause) {
    throw new InvalidArgumentError((cause as Error).message, { field: 'nextRunTime', value, cause });
  }
  // A number past ±8.64e15 ms parses, but makes an Invalid Date that no store or printer can handle.
  if (Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError(`Invalid nextRunTime ${describe(value)}: ${PAST_DATE_RANGE}`, {
      field: 'nextRunTime',
      value,
    });
  }
  return date;
}

const PAST_DATE_RANGE =
  'outside the range of a JavaScript Date (8.64e15 ms either side of 1970: up to +275760-09-13T00:00:00.000Z)';

/** The function's name, the reference, or for an anonymous function the job id. */
function defaultName(func: JobFunction | string, id: string): string {
  if (typeof func === 'string') return func;
  return func.name || id;
}

/** A persistent store keeps jobs as data: the function must be a name, the args JSON. */
export function assertStorable(state: JobState, persistent: boolean, alias: string): void {
  if (!persistent) return;
  if (typeof state.func === 'function') {
    throw new SerializationError(
      `Job "${state.id}" cannot go to the persistent job store "${alias}" with a function object: pass a "module:export" reference or a task name registered with scheduler.registerTask`,
      { path: 'func' },
    );
  }
  assertJsonSafe(state.args, 'args');
}

/**
 * The default first run: the trigger's first fire time at or after `now`, jittered. Throws
 * `InvalidTriggerError` when that is past the range of a Date (an interval of `days: 1e9`), naming
 * the alias `options` given, if any.
 */
export function firstRun(
  trigger: Trigger,
  now: number,
  jitterMs: (trigger: Trigger) => number,
  options: Record<string, unknown> | null = null,
) {
  const fire = trigger.getNextFireTime(null, dateOf(now));
  const jitter = fire === null ? 0 : jitterMs(trigger);
  // Without jitter the same instant, and nothing writes to a job's dates: one object.
  const run = fire === null || jitter === 0 ? fire : new Date(fire.getTime() + jitter);
  if (run !== null && Number.isNaN(run.getTime())) throw pastDateRange(trigger, options);
  return { nextFireTime: fire, nextRunTime: run };
}

/**
 * A trigger's `startDate` or `endDate` given as a number past ±8.64e15 ms is an Invalid Date: the
 * first run check does not see an end date, and printing or storing the job would throw.
 */
export function assertWindowInRange(trigger: Trigger, options: Record<string, unknown> | null): void {
  const window = trigger as { startDate?: unknown; endDate?: unknown };
  for (const key of ['startDate', 'endDate'] as const) {
    const date = window[key];
    if (!(date instanceof Date) || !Number.isNaN(date.getTime())) continue;
    const given = options === null ? 'an Invalid Date' : describe(options[key]);
    throw new InvalidTriggerError(
      `Invalid ${key} ${given} for the ${trigger.type} trigger: ${PAST_DATE_RANGE}`,
      {
        field: key,
        value: options?.[key] ?? date,
      },
    );
  }
}

function pastDateRange(trigger: Trigger, options: Record<string, unknown> | null): InvalidTriggerError {
  const named = options === null ? [] : Object.keys(options).filter((key) => key !== 'timezone');
  const given = named.map((key) => `${key}: ${describe(options?.[key])}`).join(', ');
  const what =
    named.length === 0 ? `The ${trigger.type} trigger` : `The ${trigger.type} trigger's { ${given} }`;
  return new InvalidTriggerError(`${what} would first fire ${PAST_DATE_RANGE}`, {
    field: named.length === 1 ? named[0] : 'trigger',
    value: named.length === 1 ? options?.[named[0] as string] : trigger,
  });
}
