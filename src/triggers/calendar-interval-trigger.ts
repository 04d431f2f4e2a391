import { InvalidTriggerError } from '../errors.js';
import { civilFromDays, daysFromCivil, daysInMonth, MS_PER_DAY } from '../time/civil.js';
import { wallToInstant, zoneRules, type ZoneRules } from '../time/zone.js';
import { assertTriggerVersion, registerTriggerFactory } from './registry.js';
import type { Trigger, TriggerJSON } from './trigger.js';
import { describeWindow, readWindow, windowFromJSON, windowToJSON } from './window.js';
import { assertKnownKeys } from './validate.js';

export interface CalendarIntervalTriggerOptions {
  years?: number;
  months?: number;
  weeks?: number;
  days?: number;
  /** Time of day of every run, in `timezone`. Default 00:00:00. */
  hour?: number;
  minute?: number;
  second?: number;
  /**
   * The first possible run; its date in `timezone` anchors the steps. Default: the date of `now`
   * when the job is first scheduled (or of the previous run).
   */
  startDate?: Date | string | number;
  /** Last possible fire time (inclusive). */
  endDate?: Date | string | number;
  /** IANA zone of the calendar and the time of day. Default: the scheduler's zone, else the system zone. */
  timezone?: string;
  /** Random delay of up to this many seconds, added to each run by the scheduler. */
  jitter?: number;
}

const STEP_UNITS = ['years', 'months', 'weeks', 'days'] as const;
const TIME_UNITS = [
  ['hour', 23],
  ['minute', 59],
  ['second', 59],
] as const;
const OPTION_KEYS = [
  ...STEP_UNITS,
  'hour',
  'minute',
  'second',
  'startDate',
  'endDate',
  'timezone',
  'jitter',
] as const;
const MAX_YEAR = 9999;

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Fires at a fixed wall-clock time of day on dates a whole number of calendar steps apart, as
 * APScheduler 4's `CalendarIntervalTrigger`: `{ months: 1, hour: 9 }` from 31 January runs on 31
 * March, 31 May, ... (a date that does not exist is skipped, never moved to 28 February). Months
 * and years are added first, then weeks and days. A time of day that falls in a DST gap runs that
 * many minutes later; one that occurs twice runs at its first occurrence.
 *
 * @example new CalendarIntervalTrigger({ months: 1, hour: 9, startDate: '2026-01-31', timezone: 'Europe/Berlin' })
 */
export class CalendarIntervalTrigger implements Trigger {
  readonly type = 'calendarinterval';
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly startDate: Date | null;
  readonly endDate: Date | null;
  readonly timezone: string;
  readonly jitter: number | null;
  private readonly zone: ZoneRules;
  private readonly anchor: CalendarDate | null;

  constructor(options: CalendarIntervalTriggerOptions, defaults?: { timezone: string }) {
    assertKnownKeys(options, OPTION_KEYS, 'calendarinterval');
    const read = (unit: string, max: number) =>
      readInteger(unit, (options as Record<string, unknown>)[unit], max);
    this.years = read('years', Infinity);
    this.months = read('months', Infinity);
    this.weeks = read('weeks', Infinity);
    this.days = read('days', Infinity);
    if (this.years + this.months + this.weeks + this.days === 0) {
      throw new InvalidTriggerError(
        'The calendarinterval trigger needs a positive step: give at least one of years, months, weeks, days',
        { field: 'interval', value: 0 },
      );
    }
    [this.hour, this.minute, this.second] = TIME_UNITS.map(([unit, max]) => read(unit, max)) as [
      number,
      number,
      number,
    ];
    ({
      timezone: this.timezone,
      startDate: this.startDate,
      endDate: this.endDate,
      jitter: this.jitter,
    } = readWindow(options, defaults));
    this.zone = zoneRules(this.timezone);
    this.anchor = this.startDate === null ? null : this.wallDate(this.startDate.getTime());
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    let threshold = previousFireTime === null ? now.getTime() : previousFireTime.getTime() + 1;
    if (this.startDate !== null && threshold < this.startDate.getTime()) threshold = this.startDate.getTime();
    const anchor = this.anchor ?? this.intendedDate(previousFireTime ?? now);
    const next = this.firstAtOrAfter(anchor, threshold);
    if (next === null || (this.endDate !== null && next > this.endDate.getTime())) return null;
    return new Date(next);
  }

  /** The earliest run of the sequence anchored at `anchor` that is at or after `threshold`. */
  private firstAtOrAfter(anchor: CalendarDate, threshold: number): number | null {
    const monthStep = this.years * 12 + this.months;
    const dayStep = this.weeks * 7 + this.days;
    const target = this.wallDate(threshold);
    let date = { ...anchor };
    // Jump close to the threshold when the sequence has a closed form; a DST shift moves a run by
    // less than a day, so starting two days early is safe.
    if (monthStep === 0) {
      const behind =
        daysFromCivil(target.year, target.month, target.day) -
        2 -
        daysFromCivil(anchor.year, anchor.month, anchor.day);
      if (behind > 0)
        date = dateOf(
          daysFromCivil(anchor.year, anchor.month, anchor.day) + Math.floor(behind / dayStep) * dayStep,
        );
    } else if (dayStep === 0) {
      const behind = target.year * 12 + target.month - (anchor.year * 12 + anchor.month) - 1;
      if (behind > 0) {
        const index = anchor.year * 12 + anchor.month - 1 + Math.floor(behind / monthStep) * monthStep;
        date = { year: Math.floor(index / 12), month: (index % 12) + 1, day: anchor.day };
        if (date.day > daysInMonth(date.year, date.month)) date = this.step(date, monthStep, 0);
      }
    }
    // A DST gap moves a run by a day at most, so dates two days before the threshold's cannot reach it.
    const earliestDay = daysFromCivil(target.year, target.month, target.day) - 1;
    for (;;) {
      if (date.year > MAX_YEAR) return null;
      if (daysFromCivil(date.year, date.month, date.day) >= earliestDay) {
        const wall = Date.UTC(date.year, date.month - 1, date.day, this.hour, this.minute, this.second);
        const instant = wallToInstant(this.zone, wall);
        if (instant >= threshold) return instant;
      }
      date = this.step(date, monthStep, dayStep);
    }
  }

  /** Adds the months and years (skipping dates that do not exist), then the weeks and days. */
  private step(date: CalendarDate, monthStep: number, dayStep: number): CalendarDate {
    let index = date.year * 12 + date.month - 1;
    let next = date;
    if (monthStep > 0) {
      do {
        index += monthStep;
        next = { year: Math.floor(index / 12), month: (index % 12) + 1, day: date.day };
      } while (next.day > daysInMonth(next.year, next.month) && next.year <= MAX_YEAR);
    }
    return dayStep === 0 ? next : dateOf(daysFromCivil(next.year, next.month, next.day) + dayStep);
  }

  private wallDate(epochMs: number): CalendarDate {
    return dateOf(Math.floor((epochMs + this.zone.offsetAt(epochMs)) / MS_PER_DAY));
  }

  /**
   * The date whose run is (or would be) at `instant`. A run pushed past midnight by a DST gap
   * belongs to the day before, so that day anchors the following steps.
   */
  private intendedDate(instant: Date): CalendarDate {
    const date = this.wallDate(instant.getTime());
    const before = dateOf(daysFromCivil(date.year, date.month, date.day) - 1);
    const wall = Date.UTC(before.year, before.month - 1, before.day, this.hour, this.minute, this.second);
    return wallToInstant(this.zone, wall) === instant.getTime() ? before : date;
  }

  toJSON(): TriggerJSON {
    return {
      type: 'calendarinterval',
      version: 1,
      years: this.years,
      months: this.months,
      weeks: this.weeks,
      days: this.days,
      hour: this.hour,
      minute: this.minute,
      second: this.second,
      ...windowToJSON(this),
    };
  }

  toString(): string {
    const parts = STEP_UNITS.filter((unit) => this[unit] > 0).map((unit) => `${unit}=${this[unit]}`);
    const pad = (n: number) => String(n).padStart(2, '0');
    parts.push(`time=${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}`);
    parts.push(...describeWindow(this, (epochMs) => this.zone.offsetAt(epochMs)));
    return `calendarinterval[${parts.join(', ')}]`;
  }

  static fromJSON(json: TriggerJSON): CalendarIntervalTrigger {
    assertTriggerVersion(json, 1);
    const options: CalendarIntervalTriggerOptions = windowFromJSON(json);
    for (const key of [...STEP_UNITS, 'hour', 'minute', 'second'] as const) {
      if (typeof json[key] === 'number') options[key] = json[key];
    }
    return new CalendarIntervalTrigger(options);
  }
}

function dateOf(days: number): CalendarDate {
  const [year, month, day] = civilFromDays(days, [0, 0, 0]);
  return { year, month, day };
}

function readInteger(unit: string, value: unknown, max: number): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    const allowed = max === Infinity ? 'a non-negative integer' : `an integer from 0 to ${max}`;
    throw new InvalidTriggerError(
      `Invalid ${unit} ${JSON.stringify(value)} for the calendarinterval trigger: expected ${allowed}`,
      { field: unit, value },
    );
  }
  return value;
}

declare module './registry.js' {
  interface TriggerAliases {
    calendarinterval: CalendarIntervalTriggerOptions;
  }
}

registerTriggerFactory({
  type: 'calendarinterval',
  optionKeys: OPTION_KEYS,
  create: (options, defaults) => new CalendarIntervalTrigger(options, defaults),
  fromJSON: CalendarIntervalTrigger.fromJSON,
});
