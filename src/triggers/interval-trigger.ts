import { InvalidTriggerError } from '../errors.js';
import { offsetAt } from '../time/zone.js';
import { assertTriggerVersion, registerTriggerFactory } from './registry.js';
import type { Trigger, TriggerJSON } from './trigger.js';
import { describeWindow, readWindow, windowFromJSON, windowToJSON } from './window.js';
import { assertKnownKeys } from './validate.js';

export interface IntervalTriggerOptions {
  weeks?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
  /** First fire time; later ones are aligned to it. Default: one interval after the job is added. */
  startDate?: Date | string | number;
  /** Last possible fire time (inclusive). */
  endDate?: Date | string | number;
  /** IANA zone for naive dates and `toString()`. The interval itself is elapsed time, unaffected by DST. */
  timezone?: string;
  /** Random delay of up to this many seconds added to each run. */
  jitter?: number;
}

const UNITS = [
  ['weeks', 604_800_000],
  ['days', 86_400_000],
  ['hours', 3_600_000],
  ['minutes', 60_000],
  ['seconds', 1000],
  ['milliseconds', 1],
] as const;

const OPTION_KEYS = [...UNITS.map(([unit]) => unit), 'startDate', 'endDate', 'timezone', 'jitter'] as const;

/**
 * Fires every fixed amount of elapsed time, so a 24-hour interval stays 24 real hours across a DST
 * change (use `CalendarIntervalTrigger` for "same wall time every day").
 *
 * @example new IntervalTrigger({ minutes: 5, startDate: '2026-01-01 00:00', timezone: 'Europe/Berlin' })
 */
export class IntervalTrigger implements Trigger {
  readonly type = 'interval';
  readonly intervalMs: number;
  readonly startDate: Date | null;
  readonly endDate: Date | null;
  readonly timezone: string;
  readonly jitter: number | null;

  constructor(options: IntervalTriggerOptions, defaults?: { timezone: string }) {
    assertKnownKeys(options, OPTION_KEYS, 'interval');
    let interval = 0;
    for (const [unit, ms] of UNITS) {
      const value = options[unit];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new InvalidTriggerError(
          `Invalid ${unit} ${JSON.stringify(value)} for the interval trigger: expected a non-negative number`,
          { field: unit, value },
        );
      }
      interval += value * ms;
    }
    interval = Math.round(interval);
    if (interval <= 0) {
      throw new InvalidTriggerError(
        'The interval trigger needs a positive length: give at least one of weeks, days, hours, minutes, seconds, milliseconds',
        { field: 'interval', value: interval },
      );
    }
    this.intervalMs = interval;
    ({
      timezone: this.timezone,
      startDate: this.startDate,
      endDate: this.endDate,
      jitter: this.jitter,
    } = readWindow(options, defaults));
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    let next: number;
    if (previousFireTime !== null && this.startDate !== null) {
      // The next point of the start date's grid strictly after `previousFireTime`, even when that
      // time is not on the grid (as when an AndTrigger or OrTrigger asks).
      const start = this.startDate.getTime();
      const after = previousFireTime.getTime() - start;
      next = after < 0 ? start : start + (Math.floor(after / this.intervalMs) + 1) * this.intervalMs;
    } else if (previousFireTime !== null) {
      next = previousFireTime.getTime() + this.intervalMs;
    } else if (this.startDate === null) {
      next = now.getTime() + this.intervalMs;
    } else {
      const start = this.startDate.getTime();
      const behind = now.getTime() - start;
      next = behind <= 0 ? start : start + Math.ceil(behind / this.intervalMs) * this.intervalMs;
    }
    if (this.endDate !== null && next > this.endDate.getTime()) return null;
    return new Date(next);
  }

  toJSON(): TriggerJSON {
    return {
      type: 'interval',
      version: 1,
      intervalMs: this.intervalMs,
      ...windowToJSON(this),
    };
  }

  toString(): string {
    const parts = [formatDuration(this.intervalMs)];
    parts.push(...describeWindow(this, (epochMs) => offsetAt(this.timezone, epochMs)));
    return `interval[${parts.join(', ')}]`;
  }

  static fromJSON(json: TriggerJSON): IntervalTrigger {
    assertTriggerVersion(json, 1);
    return new IntervalTrigger({ milliseconds: json.intervalMs as number, ...windowFromJSON(json) });
  }
}

/** `1 day, 2:03:04.500` in the style of Python's timedelta, which APScheduler users read. */
export function formatDuration(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const clock = `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}${millis ? `.${String(millis).padStart(3, '0')}` : ''}`;
  return days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${clock}` : clock;
}

declare module './registry.js' {
  interface TriggerAliases {
    interval: IntervalTriggerOptions;
  }
}

registerTriggerFactory({
  type: 'interval',
  optionKeys: OPTION_KEYS,
  create: (options, defaults) => new IntervalTrigger(options, defaults),
  fromJSON: IntervalTrigger.fromJSON,
});
