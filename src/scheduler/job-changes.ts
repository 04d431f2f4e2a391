import { InvalidArgumentError, InvalidTriggerError } from '../errors.js';
import type { JobState } from '../job-state.js';
import { assertWindowInRange, isTrigger, readFunc, readNextRunTime } from './job-builder.js';
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
  type JobChanges,
} from './options.js';

/**
 * Applies `modifyJob` changes to a copy of a job's state, checking each (a bad one throws
 * `InvalidArgumentError` or `InvalidTriggerError` naming it, and nothing is changed). A new `func`
 * given as a string is resolved with `resolve`, so a bad reference fails here and not at its run.
 */
export async function applyJobChanges(
  state: JobState,
  changes: JobChanges,
  timezone: string,
  resolve: (func: string) => Promise<unknown>,
): Promise<JobState> {
  if (changes === null || typeof changes !== 'object') throw invalidOption('changes', changes, 'an object');
  for (const [key, value] of Object.entries(changes)) {
    switch (key as (typeof JOB_CHANGE_KEYS)[number]) {
      case 'name':
        state.name = readNonEmptyString(value, 'name');
        break;
      case 'func':
        state.func = readFunc(value);
        if (typeof state.func === 'string') await resolve(state.func);
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
        state.nextRunTime = readNextRunTime(value, timezone);
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
      case 'requestsRecovery':
        if (readBoolean(value, 'requestsRecovery')) state.requestsRecovery = true;
        else delete state.requestsRecovery;
        break;
      default:
        throw new InvalidArgumentError(
          `Cannot modify "${key}"; modifiable job options are: ${JOB_CHANGE_KEYS.join(', ')}`,
          { field: key, value },
        );
    }
  }
  return state;
}

/**
 * Splits `rescheduleJob` options into the store selector and the trigger's options. Job options
 * are refused (`buildJob` would take them as the job's and drop them): they are `modifyJob`'s.
 */
export function readRescheduleOptions(options: unknown): {
  jobStore: string | undefined;
  triggerOptions: Record<string, unknown>;
} {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw invalidOption('options', options, 'an object of trigger options');
  }
  const { jobStore, ...triggerOptions } = (options ?? {}) as { jobStore?: string } & Record<string, unknown>;
  for (const key of Object.keys(triggerOptions)) {
    if ((JOB_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(
        `rescheduleJob changes only the trigger; to change "${key}", use modifyJob(id, { ${key} })`,
        { field: key, value: triggerOptions[key] },
      );
    }
  }
  return { jobStore, triggerOptions };
}
