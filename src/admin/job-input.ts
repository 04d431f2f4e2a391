// The bodies of the admin API's add and modify requests, read into the scheduler's own calls.
import type { AddJobOptions, JobChanges } from '../scheduler/options.js';
import { CronTrigger } from '../triggers/cron-trigger.js';
import { registeredTriggerTypes, triggerFactory, triggerFromJSON } from '../triggers/registry.js';
import type { Trigger, TriggerJSON } from '../triggers/trigger.js';
import { HttpError } from './http-errors.js';
import { assertKnownFields } from './request-body.js';

/** Fields of `POST api/jobs`. */
export const ADD_FIELDS = [
  'func',
  'trigger',
  'id',
  'name',
  'args',
  'misfireGraceTime',
  'coalesce',
  'maxInstances',
  'nextRunTime',
  'paused',
  'jobStore',
  'executor',
  'replaceExisting',
  'timeout',
  'retry',
  'requestsRecovery',
] as const;

/** Fields of `PATCH api/jobs/:id`. */
export const MODIFY_FIELDS = [
  'trigger',
  'name',
  'args',
  'misfireGraceTime',
  'coalesce',
  'maxInstances',
  'executor',
  'timeout',
  'retry',
  'requestsRecovery',
] as const;

/** What `addJob` is called with. */
export interface AddRequest {
  func: string;
  trigger: Trigger | undefined;
  options: AddJobOptions<Trigger>;
}

/**
 * The trigger of a request: `{ "type": "cron", "crontab": "30 10 * * 1-5", "timezone": "Asia/Shanghai" }`
 * for a crontab line, or `{ "type": "<alias>", ...its options }` for any registered trigger
 * (`{ "type": "interval", "minutes": 5 }`, `{ "type": "cron", "hour": 10 }`), or a trigger's
 * serialized form with its `version` (a job's `trigger.json`). Triggers made from an alias read
 * their times in `timezone` unless the spec names a zone.
 */
export function readTrigger(spec: unknown, timezone: string): Trigger {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new HttpError(
      400,
      'ERR_INVALID_TRIGGER',
      'trigger must be an object such as {"type": "interval", "minutes": 5}',
      'trigger',
    );
  }
  const { type, ...options } = spec as Record<string, unknown>;
  if (typeof type !== 'string' || !registeredTriggerTypes().includes(type)) {
    throw new HttpError(
      400,
      'ERR_INVALID_TRIGGER',
      `trigger.type must be one of: ${registeredTriggerTypes().join(', ')}`,
      'trigger.type',
    );
  }
  // A trigger as `toJSON()` wrote it (the API's `trigger.json`), edited and sent back.
  if ('version' in options) return triggerFromJSON(spec as TriggerJSON);
  if (type === 'cron' && 'crontab' in options) {
    const { crontab, ...rest } = options;
    return CronTrigger.fromCrontab(crontab as string, rest, { timezone });
  }
  const factory = triggerFactory(type);
  assertKnownFields(options, factory.optionKeys, 'trigger.');
  return factory.create(options, { timezone });
}

/** Reads the body of `POST api/jobs`. */
export function readAddRequest(body: Record<string, unknown>, timezone: string): AddRequest {
  assertKnownFields(body, ADD_FIELDS, '');
  const { func, trigger, paused, ...rest } = body;
  if (typeof func !== 'string' || func === '') {
    throw new HttpError(
      400,
      'ERR_INVALID_ARGUMENT',
      'func must be a "module:export" reference or the name of a registered task',
      'func',
    );
  }
  if (paused !== undefined && typeof paused !== 'boolean') {
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', 'paused must be true or false', 'paused');
  }
  const options = { ...rest } as AddJobOptions<Trigger>;
  if (paused === true) options.nextRunTime = null;
  return {
    func,
    trigger: trigger === undefined || trigger === null ? undefined : readTrigger(trigger, timezone),
    options,
  };
}

/** Reads the body of `PATCH api/jobs/:id`: the option changes, and the new trigger if any. */
export function readModifyRequest(
  body: Record<string, unknown>,
  timezone: string,
): { changes: JobChanges; trigger: Trigger | undefined } {
  assertKnownFields(body, MODIFY_FIELDS, '');
  const { trigger, ...changes } = body;
  return {
    changes: changes,
    trigger: trigger === undefined ? undefined : readTrigger(trigger, timezone),
  };
}
