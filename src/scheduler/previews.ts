// `Scheduler.getNextRunTimes`: the fire times a job or a trigger will have, asked of the trigger
// without changing anything.
import { InvalidArgumentError } from '../errors.js';
import type { Trigger } from '../triggers/trigger.js';
import type { Jobs } from './jobs.js';
import { invalidOption } from './options.js';
import type { SchedulerSettings } from './settings.js';

/** The most fire times one preview returns. */
export const MAX_PREVIEW_COUNT = 1000;

/** What a preview reads from its scheduler. */
export interface PreviewHost {
  settings(): SchedulerSettings;
  readonly jobs: Jobs;
}

/** Options of `Scheduler.getNextRunTimes`. */
export interface PreviewOptions {
  /** The store to look the job up in; without it, every store is searched. */
  jobStore?: string;
  /**
   * Preview the fire times at or after this instant instead: the default for a trigger is now, for
   * a job its next fire time (now for a paused job).
   */
  from?: Date;
}

/**
 * The next `count` fire times of a job (from its next fire time: jitter is not included, as it is
 * drawn per run) or of a trigger, oldest first; fewer when the trigger ends.
 */
export async function previewFireTimes(
  host: PreviewHost,
  idOrTrigger: string | Trigger,
  count: number,
  options: PreviewOptions = {},
): Promise<Date[]> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW_COUNT) {
    throw invalidOption('count', count, `an integer from 1 to ${MAX_PREVIEW_COUNT}`);
  }
  const { from } = options;
  if (from !== undefined && !(from instanceof Date && !Number.isNaN(from.getTime()))) {
    throw invalidOption('from', from, 'a valid Date');
  }
  const now = from ?? new Date(host.settings().clock.now());
  if (typeof idOrTrigger === 'string') {
    const { state } = await host.jobs.find(idOrTrigger, options.jobStore);
    const first = from === undefined ? (state.nextFireTime ?? state.nextRunTime) : null;
    return nextFireTimes(state.trigger, count, now, first);
  }
  if (!isTrigger(idOrTrigger)) {
    throw new InvalidArgumentError(
      'Invalid idOrTrigger: expected a job id (a string) or a Trigger (an object with getNextFireTime)',
      { field: 'idOrTrigger', value: idOrTrigger },
    );
  }
  return nextFireTimes(idOrTrigger, count, now, null);
}

/**
 * Up to `count` fire times of `trigger`: `first` (when not null) and those after it, or the first
 * at or after `now` and those after it. Stops early at a time not later than the one before it,
 * which only a faulty custom trigger gives.
 */
export function nextFireTimes(trigger: Trigger, count: number, now: Date, first: Date | null): Date[] {
  const times: Date[] = [];
  let next = first ?? trigger.getNextFireTime(null, now);
  while (next !== null && times.length < count) {
    const previous = times[times.length - 1];
    if (previous !== undefined && next.getTime() <= previous.getTime()) break;
    times.push(new Date(next.getTime()));
    next = trigger.getNextFireTime(next, now);
  }
  return times;
}

function isTrigger(value: unknown): value is Trigger {
  return (
    value !== null && typeof value === 'object' && typeof (value as Trigger).getNextFireTime === 'function'
  );
}
