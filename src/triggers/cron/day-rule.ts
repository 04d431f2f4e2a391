import { daysFromCivil, daysInMonth, isoWeek, isoWeeksInYear, weekdayOfDays } from '../../time/civil.js';
import type { DaySpecial, RangeItem } from './fields.js';

/** Which days of a month a cron expression allows, from its day, dayOfWeek and week fields. */
export interface DaySpec {
  /** Plain day-of-month values; `null` when the field is unrestricted. */
  readonly dayRanges: readonly RangeItem[] | null;
  readonly daySpecials: readonly DaySpecial[];
  /** Plain weekday values (0-7, 0 and 7 Sunday); `null` when the field is unrestricted. */
  readonly weekdayRanges: readonly RangeItem[] | null;
  readonly weekdaySpecials: readonly DaySpecial[];
  /** ISO week numbers; `null` when unrestricted. */
  readonly weekRanges: readonly RangeItem[] | null;
  /**
   * `'and'`: a day must match both fields (APScheduler). `'or'`: a day matching either is enough
   * (Vixie cron, used only when both fields are restricted).
   */
  readonly combine: 'and' | 'or';
}

const ALL_DAYS = 0x7fffffff;

function rangeBits(ranges: readonly RangeItem[], offset: number): number {
  let bits = 0;
  for (const { first, last, step } of ranges) {
    for (let v = first; v <= last; v += step) bits |= 1 << (v - offset);
  }
  return bits >>> 0;
}

export function rangeSet(ranges: readonly RangeItem[], size: number): Uint8Array {
  const set = new Uint8Array(size);
  for (const { first, last, step } of ranges) {
    for (let v = first; v <= last; v += step) set[v] = 1;
  }
  return set;
}

/**
 * Computes, for any month, a 31-bit mask of the allowed days (bit `d - 1` for day `d`). Plain values
 * are folded into constant masks up front (one per weekday the month can start on), so a month with
 * no special rule costs a few integer operations.
 */
export class DayRule {
  private readonly dayBits: number;
  private readonly daySpecials: readonly DaySpecial[];
  /** Index: the weekday of the month's first day. */
  private readonly weekdayMasks: Uint32Array;
  private readonly weekdaySpecials: readonly DaySpecial[];
  private readonly weeks: Uint8Array | null;
  private readonly union: boolean;

  constructor(spec: DaySpec) {
    this.dayBits =
      spec.dayRanges === null ? (spec.daySpecials.length > 0 ? 0 : ALL_DAYS) : rangeBits(spec.dayRanges, 1);
    this.daySpecials = spec.daySpecials;
    const weekdays =
      spec.weekdayRanges === null
        ? spec.weekdaySpecials.length > 0
          ? 0
          : 0x7f
        : rangeBits(spec.weekdayRanges, 0);
    const weekdaySet = (weekdays | (weekdays >>> 7)) & 0x7f; // 7 is Sunday too
    this.weekdayMasks = new Uint32Array(7);
    for (let first = 0; first < 7; first++) {
      let mask = 0;
      for (let d = 1; d <= 31; d++) if (weekdaySet & (1 << ((first + d - 1) % 7))) mask |= 1 << (d - 1);
      this.weekdayMasks[first] = mask;
    }
    this.weekdaySpecials = spec.weekdaySpecials;
    this.weeks = spec.weekRanges === null ? null : rangeSet(spec.weekRanges, 54);
    this.union = spec.combine === 'or';
  }

  /** Allowed days of `month` (1-12) in `year`, as bits `d - 1`. */
  mask(year: number, month: number): number {
    const length = daysInMonth(year, month);
    const firstDay = daysFromCivil(year, month, 1);
    const firstWeekday = weekdayOfDays(firstDay);
    let byDay = this.dayBits;
    for (const special of this.daySpecials) byDay |= specialBits(special, length, firstWeekday);
    let byWeekday = this.weekdayMasks[firstWeekday] as number;
    for (const special of this.weekdaySpecials) byWeekday |= specialBits(special, length, firstWeekday);
    let days = this.union ? byDay | byWeekday : byDay & byWeekday;
    if (this.weeks !== null) days &= weekBits(this.weeks, year, month, length, firstWeekday);
    return days & (length === 31 ? ALL_DAYS : (1 << length) - 1);
  }
}

function specialBits(special: DaySpecial, length: number, firstWeekday: number): number {
  switch (special.kind) {
    case 'last': {
      // `L-30` has no day in a shorter month; like any day a month lacks, it is skipped there.
      const day = length - special.daysBefore;
      return day >= 1 ? 1 << (day - 1) : 0;
    }
    case 'nth': {
      const day = 1 + ((special.weekday - firstWeekday + 7) % 7) + 7 * (special.nth - 1);
      return day <= length ? 1 << (day - 1) : 0;
    }
    case 'lastWeekday': {
      const lastWeekday = (firstWeekday + length - 1) % 7;
      return 1 << (length - 1 - ((lastWeekday - special.weekday + 7) % 7));
    }
    case 'nearestWeekday': {
      // Quartz's `W`: the weekday (Mon-Fri) nearest the given day, without leaving the month.
      let day = special.day;
      if (day > length) return 0;
      const weekday = (firstWeekday + day - 1) % 7;
      if (weekday === 6) day = day === 1 ? 3 : day - 1;
      else if (weekday === 0) day = day === length ? day - 2 : day + 1;
      return 1 << (day - 1);
    }
    case 'lastBusinessDay': {
      const weekday = (firstWeekday + length - 1) % 7;
      const day = weekday === 6 ? length - 1 : weekday === 0 ? length - 2 : length;
      return 1 << (day - 1);
    }
  }
}

/** Days of the month whose ISO week number is in `weeks`. */
function weekBits(
  weeks: Uint8Array,
  year: number,
  month: number,
  length: number,
  firstWeekday: number,
): number {
  let week = isoWeek(year, month, 1);
  const lastWeek = isoWeeksInYear(year);
  let bits = 0;
  for (let d = 1; d <= length; d++) {
    if (d > 1 && (firstWeekday + d - 1) % 7 === 1) {
      week = (month === 1 && week >= 52) || (month === 12 && week === lastWeek) ? 1 : week + 1;
    }
    if (weeks[week] === 1) bits |= 1 << (d - 1);
  }
  return bits;
}
